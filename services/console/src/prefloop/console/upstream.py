"""The public HTTP APIs of inference, feedback and trainer, as any application
calls them: the console holds the API key, the person's browser never does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx
from litestar import Response

from prefloop.shared.http import ApplicationError

Service = Literal["inference", "feedback", "trainer"]


class UpstreamUnavailable(ApplicationError):
    status_code = 502
    code = "upstream_unavailable"


@dataclass(frozen=True)
class Answer:
    """What an API answered; errors keep the API's status and say which API it was."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.status < 400

    def response(self) -> Response[Any]:
        """The answer passed on to the page's script as it came."""
        return Response(self.body, status_code=self.status)

    @property
    def detail(self) -> str:
        return str(self.body.get("detail", "")) if isinstance(self.body, dict) else str(self.body)


class Upstream:
    def __init__(self, urls: dict[Service, str], api_key: str | None, timeout_s: float) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self._clients = {
            name: httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout_s)
            for name, url in urls.items()
        }

    async def call(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        admin_token: str | None = None,
    ) -> Answer:
        client = self._clients[service]
        headers = {"X-Admin-Token": admin_token} if admin_token else {}
        try:
            response = await client.request(method, path, json=json, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(
                f"the {service} service is not reachable at {client.base_url} ({type(exc).__name__})"
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = {"error": "upstream_error", "detail": response.text[:300]}
        if response.status_code >= 400 and isinstance(body, dict):
            body = {**body, "detail": f"{service} answered {response.status_code}: {body.get('detail', '')}"}
        return Answer(response.status_code, body)

    async def get(self, service: Service, path: str, **params: Any) -> Answer:
        return await self.call(service, "GET", path, params=params or None)

    async def read(self, service: Service, path: str, problems: list[str], **params: Any) -> Any:
        """The body of a GET, or None with the reason added to `problems`: a page
        shows what it could read and says what it could not."""
        try:
            answer = await self.get(service, path, **params)
        except UpstreamUnavailable as exc:
            problems.append(exc.detail)
            return None
        if not answer.ok:
            problems.append(answer.detail)
            return None
        return answer.body

    async def open_stream(self, service: Service, path: str, params: dict[str, Any]) -> httpx.Response:
        """A response whose body is read as it arrives (downloads); the caller closes it."""
        client = self._clients[service]
        try:
            response = await client.send(client.build_request("GET", path, params=params), stream=True)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"the {service} service is not reachable at {client.base_url}") from exc
        if response.status_code >= 400:
            await response.aclose()
            raise UpstreamUnavailable(f"{service} answered {response.status_code} on {path}")
        return response

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
