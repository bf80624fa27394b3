from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_model_request import CreateModelRequest
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.untyped_api_future import UntypedAPIFuture
from ...types import Response


def _get_kwargs(
    *,
    body: CreateModelRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/create_model",
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
) -> ErrorDetail | HTTPValidationError | UntypedAPIFuture | None:
    if response.status_code == 200:
        response_200 = UntypedAPIFuture.from_dict(orjson.loads(response.content))

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
) -> Response[ErrorDetail | HTTPValidationError | UntypedAPIFuture]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateModelRequest,
) -> Response[ErrorDetail | HTTPValidationError | UntypedAPIFuture]:
    """Register (or refresh) a training session (asynchronous)

     Registers `model_id`; in LoRA mode materializes its adapter on the workers and saves the
    reserved initial checkpoint `000000`. Idempotent for an identical spec. Only the id syntax is
    checked synchronously (400); everything else fails inside the future (category "server"):
    base-model mismatch, full-weight multi-tenancy, overrides in full-weight mode, an existing id
    with a different spec, rank above the server maximum, unsupported override keys, optimizer
    values out of bounds (`betas` not two numbers, `learning_rate` <= 0, `weight_decay` < 0).
    Removed configuration keys anywhere in the body (`zorl*`, `enable_zorl`, `fp8_cfg`,
    `adapter_gradient_ownership_*`, `externalize_r3_payloads`, `keep_r3_payloads`) -> 422.
    Result: `CreateModelResponse`.

    Args:
        body (CreateModelRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | UntypedAPIFuture]
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
    body: CreateModelRequest,
) -> ErrorDetail | HTTPValidationError | UntypedAPIFuture | None:
    """Register (or refresh) a training session (asynchronous)

     Registers `model_id`; in LoRA mode materializes its adapter on the workers and saves the
    reserved initial checkpoint `000000`. Idempotent for an identical spec. Only the id syntax is
    checked synchronously (400); everything else fails inside the future (category "server"):
    base-model mismatch, full-weight multi-tenancy, overrides in full-weight mode, an existing id
    with a different spec, rank above the server maximum, unsupported override keys, optimizer
    values out of bounds (`betas` not two numbers, `learning_rate` <= 0, `weight_decay` < 0).
    Removed configuration keys anywhere in the body (`zorl*`, `enable_zorl`, `fp8_cfg`,
    `adapter_gradient_ownership_*`, `externalize_r3_payloads`, `keep_r3_payloads`) -> 422.
    Result: `CreateModelResponse`.

    Args:
        body (CreateModelRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | UntypedAPIFuture
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateModelRequest,
) -> Response[ErrorDetail | HTTPValidationError | UntypedAPIFuture]:
    """Register (or refresh) a training session (asynchronous)

     Registers `model_id`; in LoRA mode materializes its adapter on the workers and saves the
    reserved initial checkpoint `000000`. Idempotent for an identical spec. Only the id syntax is
    checked synchronously (400); everything else fails inside the future (category "server"):
    base-model mismatch, full-weight multi-tenancy, overrides in full-weight mode, an existing id
    with a different spec, rank above the server maximum, unsupported override keys, optimizer
    values out of bounds (`betas` not two numbers, `learning_rate` <= 0, `weight_decay` < 0).
    Removed configuration keys anywhere in the body (`zorl*`, `enable_zorl`, `fp8_cfg`,
    `adapter_gradient_ownership_*`, `externalize_r3_payloads`, `keep_r3_payloads`) -> 422.
    Result: `CreateModelResponse`.

    Args:
        body (CreateModelRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | UntypedAPIFuture]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateModelRequest,
) -> ErrorDetail | HTTPValidationError | UntypedAPIFuture | None:
    """Register (or refresh) a training session (asynchronous)

     Registers `model_id`; in LoRA mode materializes its adapter on the workers and saves the
    reserved initial checkpoint `000000`. Idempotent for an identical spec. Only the id syntax is
    checked synchronously (400); everything else fails inside the future (category "server"):
    base-model mismatch, full-weight multi-tenancy, overrides in full-weight mode, an existing id
    with a different spec, rank above the server maximum, unsupported override keys, optimizer
    values out of bounds (`betas` not two numbers, `learning_rate` <= 0, `weight_decay` < 0).
    Removed configuration keys anywhere in the body (`zorl*`, `enable_zorl`, `fp8_cfg`,
    `adapter_gradient_ownership_*`, `externalize_r3_payloads`, `keep_r3_payloads`) -> 422.
    Result: `CreateModelResponse`.

    Args:
        body (CreateModelRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | UntypedAPIFuture
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
