from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_session_request import CreateSessionRequest
from ...models.create_session_response import CreateSessionResponse
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CreateSessionRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/create_session",
    }

    if not isinstance(body, Unset):
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
) -> CreateSessionResponse | ErrorDetail | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = CreateSessionResponse.from_dict(orjson.loads(response.content))

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
) -> Response[CreateSessionResponse | ErrorDetail | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateSessionRequest | Unset = UNSET,
) -> Response[CreateSessionResponse | ErrorDetail | HTTPValidationError]:
    """Register a session synchronously (Tinker compatibility; body optional)

     Absent body, `null` and `{}` all work (a UUID4 session id is generated); this contract models
    the body as optional `CreateSessionRequest` (send nothing rather than `null`). Full-weight mode:
    registers the id at API level only. LoRA mode: registers an adapter session on the workers
    synchronously (spec errors and an existing id with a different `base_model` -> 400, engine
    error -> 500, engine timeout -> 504, worker refusal -> unhandled 500 `text/plain`).

    Args:
        body (CreateSessionRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateSessionResponse | ErrorDetail | HTTPValidationError]
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
    body: CreateSessionRequest | Unset = UNSET,
) -> CreateSessionResponse | ErrorDetail | HTTPValidationError | None:
    """Register a session synchronously (Tinker compatibility; body optional)

     Absent body, `null` and `{}` all work (a UUID4 session id is generated); this contract models
    the body as optional `CreateSessionRequest` (send nothing rather than `null`). Full-weight mode:
    registers the id at API level only. LoRA mode: registers an adapter session on the workers
    synchronously (spec errors and an existing id with a different `base_model` -> 400, engine
    error -> 500, engine timeout -> 504, worker refusal -> unhandled 500 `text/plain`).

    Args:
        body (CreateSessionRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateSessionResponse | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateSessionRequest | Unset = UNSET,
) -> Response[CreateSessionResponse | ErrorDetail | HTTPValidationError]:
    """Register a session synchronously (Tinker compatibility; body optional)

     Absent body, `null` and `{}` all work (a UUID4 session id is generated); this contract models
    the body as optional `CreateSessionRequest` (send nothing rather than `null`). Full-weight mode:
    registers the id at API level only. LoRA mode: registers an adapter session on the workers
    synchronously (spec errors and an existing id with a different `base_model` -> 400, engine
    error -> 500, engine timeout -> 504, worker refusal -> unhandled 500 `text/plain`).

    Args:
        body (CreateSessionRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreateSessionResponse | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateSessionRequest | Unset = UNSET,
) -> CreateSessionResponse | ErrorDetail | HTTPValidationError | None:
    """Register a session synchronously (Tinker compatibility; body optional)

     Absent body, `null` and `{}` all work (a UUID4 session id is generated); this contract models
    the body as optional `CreateSessionRequest` (send nothing rather than `null`). Full-weight mode:
    registers the id at API level only. LoRA mode: registers an adapter session on the workers
    synchronously (spec errors and an existing id with a different `base_model` -> 400, engine
    error -> 500, engine timeout -> 504, worker refusal -> unhandled 500 `text/plain`).

    Args:
        body (CreateSessionRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreateSessionResponse | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
