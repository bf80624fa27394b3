from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.add_inference_endpoint_request import AddInferenceEndpointRequest
from ...models.add_inference_endpoint_response import AddInferenceEndpointResponse
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...types import Response


def _get_kwargs(
    *,
    body: AddInferenceEndpointRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/add_inference_endpoint",
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
) -> AddInferenceEndpointResponse | ErrorDetail | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = AddInferenceEndpointResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = ErrorDetail.from_dict(orjson.loads(response.content))

        return response_400

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if response.status_code == 503:
        response_503 = ErrorDetail.from_dict(orjson.loads(response.content))

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AddInferenceEndpointResponse | ErrorDetail | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AddInferenceEndpointRequest,
) -> Response[AddInferenceEndpointResponse | ErrorDetail | HTTPValidationError]:
    """Register an SGLang server that receives weights and adapters

     The host must pass the server's outbound allowlist (`XORL_OUTBOUND_ENDPOINT_ALLOWLIST`);
    without an allowlist every host is refused (400). A duplicate, a failed health check, a KV
    cache or consistency mismatch answer 200 with `success` false.

    Args:
        body (AddInferenceEndpointRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AddInferenceEndpointResponse | ErrorDetail | HTTPValidationError]
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
    body: AddInferenceEndpointRequest,
) -> AddInferenceEndpointResponse | ErrorDetail | HTTPValidationError | None:
    """Register an SGLang server that receives weights and adapters

     The host must pass the server's outbound allowlist (`XORL_OUTBOUND_ENDPOINT_ALLOWLIST`);
    without an allowlist every host is refused (400). A duplicate, a failed health check, a KV
    cache or consistency mismatch answer 200 with `success` false.

    Args:
        body (AddInferenceEndpointRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AddInferenceEndpointResponse | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AddInferenceEndpointRequest,
) -> Response[AddInferenceEndpointResponse | ErrorDetail | HTTPValidationError]:
    """Register an SGLang server that receives weights and adapters

     The host must pass the server's outbound allowlist (`XORL_OUTBOUND_ENDPOINT_ALLOWLIST`);
    without an allowlist every host is refused (400). A duplicate, a failed health check, a KV
    cache or consistency mismatch answer 200 with `success` false.

    Args:
        body (AddInferenceEndpointRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AddInferenceEndpointResponse | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: AddInferenceEndpointRequest,
) -> AddInferenceEndpointResponse | ErrorDetail | HTTPValidationError | None:
    """Register an SGLang server that receives weights and adapters

     The host must pass the server's outbound allowlist (`XORL_OUTBOUND_ENDPOINT_ALLOWLIST`);
    without an allowlist every host is refused (400). A duplicate, a failed health check, a KV
    cache or consistency mismatch answer 200 with `success` false.

    Args:
        body (AddInferenceEndpointRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AddInferenceEndpointResponse | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
