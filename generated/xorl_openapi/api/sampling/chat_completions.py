from http import HTTPStatus
from typing import Any

import httpx
import orjson

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.chat_completion_request import ChatCompletionRequest
from ...models.chat_completion_response import ChatCompletionResponse
from ...models.chat_error_response import ChatErrorResponse
from ...types import Response


def _get_kwargs(
    *,
    body: ChatCompletionRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/chat/completions",
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
) -> ChatCompletionResponse | ChatErrorResponse | None:
    if response.status_code == 200:
        response_200 = ChatCompletionResponse.from_dict(orjson.loads(response.content))

        return response_200

    if response.status_code == 400:
        response_400 = ChatErrorResponse.from_dict(orjson.loads(response.content))

        return response_400

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ChatCompletionResponse | ChatErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ChatCompletionRequest,
) -> Response[ChatCompletionResponse | ChatErrorResponse]:
    """OpenAI-compatible chat completion (served by the inference server)

     The messages are rendered with the served model's chat template and generated like
    `/generate`. The subset a training client sends and reads: sampling fields, `logprobs`
    (`choices[].logprobs.content[]` with each token's `token_id`), `return_token_ids` /
    `return_prompt_token_ids` (the completion and rendered-prompt ids of each choice),
    `lora_path`, and `return_routed_experts` (the routing in `sglext.routed_experts`).
    Errors use OpenAI's body (`ChatErrorResponse`).

    Args:
        body (ChatCompletionRequest): The subset of SGLang's `ChatCompletionRequest` a training
            client sends; other keys pass
            through. `stream` must be false for the fields below to be returned.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChatCompletionResponse | ChatErrorResponse]
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
    body: ChatCompletionRequest,
) -> ChatCompletionResponse | ChatErrorResponse | None:
    """OpenAI-compatible chat completion (served by the inference server)

     The messages are rendered with the served model's chat template and generated like
    `/generate`. The subset a training client sends and reads: sampling fields, `logprobs`
    (`choices[].logprobs.content[]` with each token's `token_id`), `return_token_ids` /
    `return_prompt_token_ids` (the completion and rendered-prompt ids of each choice),
    `lora_path`, and `return_routed_experts` (the routing in `sglext.routed_experts`).
    Errors use OpenAI's body (`ChatErrorResponse`).

    Args:
        body (ChatCompletionRequest): The subset of SGLang's `ChatCompletionRequest` a training
            client sends; other keys pass
            through. `stream` must be false for the fields below to be returned.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChatCompletionResponse | ChatErrorResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: ChatCompletionRequest,
) -> Response[ChatCompletionResponse | ChatErrorResponse]:
    """OpenAI-compatible chat completion (served by the inference server)

     The messages are rendered with the served model's chat template and generated like
    `/generate`. The subset a training client sends and reads: sampling fields, `logprobs`
    (`choices[].logprobs.content[]` with each token's `token_id`), `return_token_ids` /
    `return_prompt_token_ids` (the completion and rendered-prompt ids of each choice),
    `lora_path`, and `return_routed_experts` (the routing in `sglext.routed_experts`).
    Errors use OpenAI's body (`ChatErrorResponse`).

    Args:
        body (ChatCompletionRequest): The subset of SGLang's `ChatCompletionRequest` a training
            client sends; other keys pass
            through. `stream` must be false for the fields below to be returned.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ChatCompletionResponse | ChatErrorResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: ChatCompletionRequest,
) -> ChatCompletionResponse | ChatErrorResponse | None:
    """OpenAI-compatible chat completion (served by the inference server)

     The messages are rendered with the served model's chat template and generated like
    `/generate`. The subset a training client sends and reads: sampling fields, `logprobs`
    (`choices[].logprobs.content[]` with each token's `token_id`), `return_token_ids` /
    `return_prompt_token_ids` (the completion and rendered-prompt ids of each choice),
    `lora_path`, and `return_routed_experts` (the routing in `sglext.routed_experts`).
    Errors use OpenAI's body (`ChatErrorResponse`).

    Args:
        body (ChatCompletionRequest): The subset of SGLang's `ChatCompletionRequest` a training
            client sends; other keys pass
            through. `stream` must be false for the fields below to be returned.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ChatCompletionResponse | ChatErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
