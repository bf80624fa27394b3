from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.kill_session_request import KillSessionRequest
from ...models.kill_session_response import KillSessionResponse
from ...types import Response


def _get_kwargs(
    *,
    body: KillSessionRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/kill_session",
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
) -> ErrorDetail | HTTPValidationError | KillSessionResponse | None:
    if response.status_code == 200:
        response_200 = KillSessionResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = ErrorDetail.from_dict(orjson.loads(response.content))

        return response_400

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(orjson.loads(response.content))

        return response_422

    if response.status_code == 500:
        response_500 = ErrorDetail.from_dict(orjson.loads(response.content))

        return response_500

    if response.status_code == 503:
        response_503 = ErrorDetail.from_dict(orjson.loads(response.content))

        return response_503

    if response.status_code == 504:
        response_504 = ErrorDetail.from_dict(orjson.loads(response.content))

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorDetail | HTTPValidationError | KillSessionResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: KillSessionRequest,
) -> Response[ErrorDetail | HTTPValidationError | KillSessionResponse]:
    """Ask the workers to drop a session, optionally saving a checkpoint (synchronous)

     LoRA mode + `default`: immediate no-op success. LoRA mode + another id: on worker success the
    API registries and futures are cleaned too. Full-weight mode: only the workers are told; the
    API registration stays.

    Args:
        body (KillSessionRequest): `model_id` (or its alias `session_id`) is required; without
            either the server answers 422.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | KillSessionResponse]
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
    body: KillSessionRequest,
) -> ErrorDetail | HTTPValidationError | KillSessionResponse | None:
    """Ask the workers to drop a session, optionally saving a checkpoint (synchronous)

     LoRA mode + `default`: immediate no-op success. LoRA mode + another id: on worker success the
    API registries and futures are cleaned too. Full-weight mode: only the workers are told; the
    API registration stays.

    Args:
        body (KillSessionRequest): `model_id` (or its alias `session_id`) is required; without
            either the server answers 422.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | KillSessionResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: KillSessionRequest,
) -> Response[ErrorDetail | HTTPValidationError | KillSessionResponse]:
    """Ask the workers to drop a session, optionally saving a checkpoint (synchronous)

     LoRA mode + `default`: immediate no-op success. LoRA mode + another id: on worker success the
    API registries and futures are cleaned too. Full-weight mode: only the workers are told; the
    API registration stays.

    Args:
        body (KillSessionRequest): `model_id` (or its alias `session_id`) is required; without
            either the server answers 422.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | KillSessionResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: KillSessionRequest,
) -> ErrorDetail | HTTPValidationError | KillSessionResponse | None:
    """Ask the workers to drop a session, optionally saving a checkpoint (synchronous)

     LoRA mode + `default`: immediate no-op success. LoRA mode + another id: on worker success the
    API registries and futures are cleaned too. Full-weight mode: only the workers are told; the
    API registration stays.

    Args:
        body (KillSessionRequest): `model_id` (or its alias `session_id`) is required; without
            either the server answers 422.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | KillSessionResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
