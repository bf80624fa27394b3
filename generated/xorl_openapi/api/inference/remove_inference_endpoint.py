from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.remove_inference_endpoint_request import RemoveInferenceEndpointRequest
from ...models.remove_inference_endpoint_response import RemoveInferenceEndpointResponse
from ...types import Response


def _get_kwargs(
    *,
    body: RemoveInferenceEndpointRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/remove_inference_endpoint",
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
) -> ErrorDetail | HTTPValidationError | RemoveInferenceEndpointResponse | None:
    if response.status_code == 200:
        response_200 = RemoveInferenceEndpointResponse.from_dict(orjson.loads(response.content))

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
) -> Response[ErrorDetail | HTTPValidationError | RemoveInferenceEndpointResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: RemoveInferenceEndpointRequest,
) -> Response[ErrorDetail | HTTPValidationError | RemoveInferenceEndpointResponse]:
    """Remove an inference endpoint from the registry

     Always 200; `success` false when the endpoint is not registered.

    Args:
        body (RemoveInferenceEndpointRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | RemoveInferenceEndpointResponse]
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
    body: RemoveInferenceEndpointRequest,
) -> ErrorDetail | HTTPValidationError | RemoveInferenceEndpointResponse | None:
    """Remove an inference endpoint from the registry

     Always 200; `success` false when the endpoint is not registered.

    Args:
        body (RemoveInferenceEndpointRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | RemoveInferenceEndpointResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: RemoveInferenceEndpointRequest,
) -> Response[ErrorDetail | HTTPValidationError | RemoveInferenceEndpointResponse]:
    """Remove an inference endpoint from the registry

     Always 200; `success` false when the endpoint is not registered.

    Args:
        body (RemoveInferenceEndpointRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | RemoveInferenceEndpointResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: RemoveInferenceEndpointRequest,
) -> ErrorDetail | HTTPValidationError | RemoveInferenceEndpointResponse | None:
    """Remove an inference endpoint from the registry

     Always 200; `success` false when the endpoint is not registered.

    Args:
        body (RemoveInferenceEndpointRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | RemoveInferenceEndpointResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
