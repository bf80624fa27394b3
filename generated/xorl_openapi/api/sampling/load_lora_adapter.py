from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.http_validation_error import HTTPValidationError
from ...models.load_lora_adapter_request import LoadLoraAdapterRequest
from ...models.lora_update_response import LoraUpdateResponse
from ...types import Response


def _get_kwargs(
    *,
    body: LoadLoraAdapterRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/load_lora_adapter",
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
) -> HTTPValidationError | LoraUpdateResponse | None:
    if response.status_code == 200:
        response_200 = LoraUpdateResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = LoraUpdateResponse.from_dict(orjson.loads(response.content))

        return response_400

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[HTTPValidationError | LoraUpdateResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: LoadLoraAdapterRequest,
) -> Response[HTTPValidationError | LoraUpdateResponse]:
    """Load a LoRA adapter under a name (served by the inference server)

     After this, `/generate` and `/v1/chat/completions` accept `lora_path: <lora_name>`. A
    name that is already loaded is refused with 400 and an `error_message` containing
    "already loaded"; `loaded_adapters` then shows the path it is loaded from, so a client
    can tell "the same adapter, already there" from a name clash.

    Args:
        body (LoadLoraAdapterRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | LoraUpdateResponse]
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
    body: LoadLoraAdapterRequest,
) -> HTTPValidationError | LoraUpdateResponse | None:
    """Load a LoRA adapter under a name (served by the inference server)

     After this, `/generate` and `/v1/chat/completions` accept `lora_path: <lora_name>`. A
    name that is already loaded is refused with 400 and an `error_message` containing
    "already loaded"; `loaded_adapters` then shows the path it is loaded from, so a client
    can tell "the same adapter, already there" from a name clash.

    Args:
        body (LoadLoraAdapterRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | LoraUpdateResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: LoadLoraAdapterRequest,
) -> Response[HTTPValidationError | LoraUpdateResponse]:
    """Load a LoRA adapter under a name (served by the inference server)

     After this, `/generate` and `/v1/chat/completions` accept `lora_path: <lora_name>`. A
    name that is already loaded is refused with 400 and an `error_message` containing
    "already loaded"; `loaded_adapters` then shows the path it is loaded from, so a client
    can tell "the same adapter, already there" from a name clash.

    Args:
        body (LoadLoraAdapterRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[HTTPValidationError | LoraUpdateResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: LoadLoraAdapterRequest,
) -> HTTPValidationError | LoraUpdateResponse | None:
    """Load a LoRA adapter under a name (served by the inference server)

     After this, `/generate` and `/v1/chat/completions` accept `lora_path: <lora_name>`. A
    name that is already loaded is refused with 400 and an `error_message` containing
    "already loaded"; `loaded_adapters` then shows the path it is loaded from, so a client
    can tell "the same adapter, already there" from a name clash.

    Args:
        body (LoadLoraAdapterRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        HTTPValidationError | LoraUpdateResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
