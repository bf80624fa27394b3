from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.generate_output import GenerateOutput
from ...models.generate_output_map import GenerateOutputMap
from ...models.generate_request import GenerateRequest
from ...models.sg_lang_error_response import SGLangErrorResponse
from ...types import Response


def _get_kwargs(
    *,
    body: GenerateRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/generate",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    # xorl-client: JSON bodies are encoded with orjson (10-25x faster than the stdlib
    # on big token/logprob arrays); numpy arrays are serialized natively.
    if "json" in _kwargs:
        _kwargs["content"] = orjson.dumps(_kwargs.pop("json"), option=orjson.OPT_SERIALIZE_NUMPY)
    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GenerateOutput | GenerateOutputMap | list[GenerateOutput] | SGLangErrorResponse | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> GenerateOutput | GenerateOutputMap | list[GenerateOutput]:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_generate_response_type_0 = GenerateOutput.from_dict(data)

                return componentsschemas_generate_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                componentsschemas_generate_response_type_1 = []
                _componentsschemas_generate_response_type_1 = data
                for componentsschemas_generate_response_type_1_item_data in _componentsschemas_generate_response_type_1:
                    componentsschemas_generate_response_type_1_item = GenerateOutput.from_dict(
                        componentsschemas_generate_response_type_1_item_data
                    )

                    componentsschemas_generate_response_type_1.append(componentsschemas_generate_response_type_1_item)

                return componentsschemas_generate_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_generate_response_type_2 = GenerateOutputMap.from_dict(data)

            return componentsschemas_generate_response_type_2

        response_200 = _parse_response_200(orjson.loads(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = SGLangErrorResponse.from_dict(orjson.loads(response.content))

        return response_400

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[GenerateOutput | GenerateOutputMap | list[GenerateOutput] | SGLangErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: GenerateRequest,
) -> Response[GenerateOutput | GenerateOutputMap | list[GenerateOutput] | SGLangErrorResponse]:
    """SGLang-native text generation (served by the inference server)

     Exactly one of `text` / `input_ids`. With one prompt and `n` = 1 the answer is one
    `GenerateOutput`; with `n` > 1 or a batch it is a list; some deployments answer an object keyed
    "0", "1", ... Retry 502/503/504; never retry 400.

    Args:
        body (GenerateRequest): The subset of SGLang's `GenerateReqInput` a training client needs;
            other keys pass through.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GenerateOutput | GenerateOutputMap | list[GenerateOutput] | SGLangErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: GenerateRequest,
) -> GenerateOutput | GenerateOutputMap | list[GenerateOutput] | SGLangErrorResponse | None:
    """SGLang-native text generation (served by the inference server)

     Exactly one of `text` / `input_ids`. With one prompt and `n` = 1 the answer is one
    `GenerateOutput`; with `n` > 1 or a batch it is a list; some deployments answer an object keyed
    "0", "1", ... Retry 502/503/504; never retry 400.

    Args:
        body (GenerateRequest): The subset of SGLang's `GenerateReqInput` a training client needs;
            other keys pass through.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GenerateOutput | GenerateOutputMap | list[GenerateOutput] | SGLangErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: GenerateRequest,
) -> Response[GenerateOutput | GenerateOutputMap | list[GenerateOutput] | SGLangErrorResponse]:
    """SGLang-native text generation (served by the inference server)

     Exactly one of `text` / `input_ids`. With one prompt and `n` = 1 the answer is one
    `GenerateOutput`; with `n` > 1 or a batch it is a list; some deployments answer an object keyed
    "0", "1", ... Retry 502/503/504; never retry 400.

    Args:
        body (GenerateRequest): The subset of SGLang's `GenerateReqInput` a training client needs;
            other keys pass through.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GenerateOutput | GenerateOutputMap | list[GenerateOutput] | SGLangErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: GenerateRequest,
) -> GenerateOutput | GenerateOutputMap | list[GenerateOutput] | SGLangErrorResponse | None:
    """SGLang-native text generation (served by the inference server)

     Exactly one of `text` / `input_ids`. With one prompt and `n` = 1 the answer is one
    `GenerateOutput`; with `n` > 1 or a batch it is a list; some deployments answer an object keyed
    "0", "1", ... Retry 502/503/504; never retry 400.

    Args:
        body (GenerateRequest): The subset of SGLang's `GenerateReqInput` a training client needs;
            other keys pass through.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GenerateOutput | GenerateOutputMap | list[GenerateOutput] | SGLangErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
