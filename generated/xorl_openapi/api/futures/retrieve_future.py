from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.abort_gradient_epoch_response import AbortGradientEpochResponse
from ...models.checkpoint_path_response import CheckpointPathResponse
from ...models.create_model_response import CreateModelResponse
from ...models.error_detail import ErrorDetail
from ...models.forward_backward_response import ForwardBackwardResponse
from ...models.forward_response import ForwardResponse
from ...models.future_retrieve_request import FutureRetrieveRequest
from ...models.http_validation_error import HTTPValidationError
from ...models.optim_step_response import OptimStepResponse
from ...models.request_failed_response import RequestFailedResponse
from ...models.try_again_response import TryAgainResponse
from ...models.unload_model_response import UnloadModelResponse
from ...types import Response


def _get_kwargs(
    *,
    body: FutureRetrieveRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/retrieve_future",
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
) -> (
    AbortGradientEpochResponse
    | CheckpointPathResponse
    | CreateModelResponse
    | ForwardBackwardResponse
    | ForwardResponse
    | OptimStepResponse
    | RequestFailedResponse
    | TryAgainResponse
    | UnloadModelResponse
    | ErrorDetail
    | HTTPValidationError
    | None
):
    if response.status_code == 200:

        def _parse_response_200(
            data: object,
        ) -> (
            AbortGradientEpochResponse
            | CheckpointPathResponse
            | CreateModelResponse
            | ForwardBackwardResponse
            | ForwardResponse
            | OptimStepResponse
            | RequestFailedResponse
            | TryAgainResponse
            | UnloadModelResponse
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_retrieve_future_response_type_0 = TryAgainResponse.from_dict(data)

                return componentsschemas_retrieve_future_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_retrieve_future_response_type_1 = RequestFailedResponse.from_dict(data)

                return componentsschemas_retrieve_future_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_retrieve_future_response_type_2 = CreateModelResponse.from_dict(data)

                return componentsschemas_retrieve_future_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_retrieve_future_response_type_3 = UnloadModelResponse.from_dict(data)

                return componentsschemas_retrieve_future_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_retrieve_future_response_type_4 = ForwardBackwardResponse.from_dict(data)

                return componentsschemas_retrieve_future_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_retrieve_future_response_type_5 = ForwardResponse.from_dict(data)

                return componentsschemas_retrieve_future_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_retrieve_future_response_type_6 = AbortGradientEpochResponse.from_dict(data)

                return componentsschemas_retrieve_future_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_retrieve_future_response_type_7 = OptimStepResponse.from_dict(data)

                return componentsschemas_retrieve_future_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_retrieve_future_response_type_8 = CheckpointPathResponse.from_dict(data)

            return componentsschemas_retrieve_future_response_type_8

        response_200 = _parse_response_200(orjson.loads(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = ErrorDetail.from_dict(orjson.loads(response.content))

        return response_400

    if response.status_code == 404:
        response_404 = ErrorDetail.from_dict(orjson.loads(response.content))

        return response_404

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
) -> Response[
    AbortGradientEpochResponse
    | CheckpointPathResponse
    | CreateModelResponse
    | ForwardBackwardResponse
    | ForwardResponse
    | OptimStepResponse
    | RequestFailedResponse
    | TryAgainResponse
    | UnloadModelResponse
    | ErrorDetail
    | HTTPValidationError
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest,
) -> Response[
    AbortGradientEpochResponse
    | CheckpointPathResponse
    | CreateModelResponse
    | ForwardBackwardResponse
    | ForwardResponse
    | OptimStepResponse
    | RequestFailedResponse
    | TryAgainResponse
    | UnloadModelResponse
    | ErrorDetail
    | HTTPValidationError
]:
    """Long-poll the result of an asynchronous operation

     Holds the request up to 45 s and answers as soon as the operation finishes. HTTP 200 bodies:
    `TryAgainResponse` (still running - poll again at once, the server already waited),
    `RequestFailedResponse` (the operation failed, or the future expired after its 1 h TTL),
    or the submitted operation's result, verbatim. Reads are non-destructive until expiry.
    404 for unknown ids and for ids already purged (TTL sweep, session cleanup); an
    `unload_model` future usually deletes itself, so 404 on it means "done".

    Args:
        body (FutureRetrieveRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AbortGradientEpochResponse | CheckpointPathResponse | CreateModelResponse | ForwardBackwardResponse | ForwardResponse | OptimStepResponse | RequestFailedResponse | TryAgainResponse | UnloadModelResponse | ErrorDetail | HTTPValidationError]
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
    body: FutureRetrieveRequest,
) -> (
    AbortGradientEpochResponse
    | CheckpointPathResponse
    | CreateModelResponse
    | ForwardBackwardResponse
    | ForwardResponse
    | OptimStepResponse
    | RequestFailedResponse
    | TryAgainResponse
    | UnloadModelResponse
    | ErrorDetail
    | HTTPValidationError
    | None
):
    """Long-poll the result of an asynchronous operation

     Holds the request up to 45 s and answers as soon as the operation finishes. HTTP 200 bodies:
    `TryAgainResponse` (still running - poll again at once, the server already waited),
    `RequestFailedResponse` (the operation failed, or the future expired after its 1 h TTL),
    or the submitted operation's result, verbatim. Reads are non-destructive until expiry.
    404 for unknown ids and for ids already purged (TTL sweep, session cleanup); an
    `unload_model` future usually deletes itself, so 404 on it means "done".

    Args:
        body (FutureRetrieveRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AbortGradientEpochResponse | CheckpointPathResponse | CreateModelResponse | ForwardBackwardResponse | ForwardResponse | OptimStepResponse | RequestFailedResponse | TryAgainResponse | UnloadModelResponse | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest,
) -> Response[
    AbortGradientEpochResponse
    | CheckpointPathResponse
    | CreateModelResponse
    | ForwardBackwardResponse
    | ForwardResponse
    | OptimStepResponse
    | RequestFailedResponse
    | TryAgainResponse
    | UnloadModelResponse
    | ErrorDetail
    | HTTPValidationError
]:
    """Long-poll the result of an asynchronous operation

     Holds the request up to 45 s and answers as soon as the operation finishes. HTTP 200 bodies:
    `TryAgainResponse` (still running - poll again at once, the server already waited),
    `RequestFailedResponse` (the operation failed, or the future expired after its 1 h TTL),
    or the submitted operation's result, verbatim. Reads are non-destructive until expiry.
    404 for unknown ids and for ids already purged (TTL sweep, session cleanup); an
    `unload_model` future usually deletes itself, so 404 on it means "done".

    Args:
        body (FutureRetrieveRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AbortGradientEpochResponse | CheckpointPathResponse | CreateModelResponse | ForwardBackwardResponse | ForwardResponse | OptimStepResponse | RequestFailedResponse | TryAgainResponse | UnloadModelResponse | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: FutureRetrieveRequest,
) -> (
    AbortGradientEpochResponse
    | CheckpointPathResponse
    | CreateModelResponse
    | ForwardBackwardResponse
    | ForwardResponse
    | OptimStepResponse
    | RequestFailedResponse
    | TryAgainResponse
    | UnloadModelResponse
    | ErrorDetail
    | HTTPValidationError
    | None
):
    """Long-poll the result of an asynchronous operation

     Holds the request up to 45 s and answers as soon as the operation finishes. HTTP 200 bodies:
    `TryAgainResponse` (still running - poll again at once, the server already waited),
    `RequestFailedResponse` (the operation failed, or the future expired after its 1 h TTL),
    or the submitted operation's result, verbatim. Reads are non-destructive until expiry.
    404 for unknown ids and for ids already purged (TTL sweep, session cleanup); an
    `unload_model` future usually deletes itself, so 404 on it means "done".

    Args:
        body (FutureRetrieveRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AbortGradientEpochResponse | CheckpointPathResponse | CreateModelResponse | ForwardBackwardResponse | ForwardResponse | OptimStepResponse | RequestFailedResponse | TryAgainResponse | UnloadModelResponse | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
