"""Ops API over the registry: reads for everyone with an API key, changes for admins."""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import Body, FromPath
from pydantic import BaseModel, Field

from prefloop.shared.auth import ADMIN
from prefloop.shared.http import NotFound
from prefloop.shared.text import CleanText, check_text
from prefloop.trainer.registry.repository import AdapterDetail, AdapterOut
from prefloop.trainer.registry.service import RegistryService


class ChangeRequest(BaseModel):
    reason: CleanText = Field(default="operator", max_length=500)


Change = Annotated[ChangeRequest | None, Body()]


@get("/v1/adapters", sync_to_thread=True)
def get_adapters(registry: NamedDependency[RegistryService]) -> list[AdapterOut]:
    return registry.list()


@get("/v1/adapters/active", sync_to_thread=True)
def get_active_adapter(registry: NamedDependency[RegistryService]) -> AdapterOut:
    active = [a for a in registry.list() if a.status == "active"]
    if not active:
        raise NotFound("no adapter is active: the base model serves")
    return active[0]


@get("/v1/adapters/{version:str}", sync_to_thread=True)
def get_adapter(version: FromPath[str], registry: NamedDependency[RegistryService]) -> AdapterDetail:
    return registry.get(check_text(version, "version"))


@post("/v1/adapters/{version:str}/activate", status_code=200, sync_to_thread=True, opt=ADMIN)
def activate_adapter(
    version: FromPath[str], registry: NamedDependency[RegistryService], data: Change = None
) -> dict[str, str]:
    registry.activate(check_text(version, "version"), (data or ChangeRequest()).reason)
    return {"active": version}


@post("/v1/adapters/{version:str}/retire", status_code=200, sync_to_thread=True, opt=ADMIN)
def retire_adapter(
    version: FromPath[str], registry: NamedDependency[RegistryService], data: Change = None
) -> AdapterDetail:
    return registry.retire(check_text(version, "version"), (data or ChangeRequest()).reason)


@post("/v1/adapters/rollback", status_code=200, sync_to_thread=True, opt=ADMIN)
def rollback_adapter(registry: NamedDependency[RegistryService], data: Change = None) -> dict[str, str]:
    return registry.rollback((data or ChangeRequest()).reason)
