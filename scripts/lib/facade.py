"""Generate the SDK's resources (`generated/koodrive_resources`) from openapi.yaml.

Each operation becomes a method, sync and async, on the resource its `x-koodrive-sdk`
entry names (`{resource: user_groups, method: list}` is `client.user_groups.list()`). The
method's arguments are the operation's parameters and the fields of its JSON request body,
under the names and types openapi-python-client gave them, minus what the core supplies
(the trace id, the language, the cursor); path parameters come first and may be passed by
position (`update(group_id, ...)`), everything else by keyword. What it returns is the
listing's items (`x-koodrive-behaviour` `items`), the success body's field that
`x-koodrive-sdk` `returns` names, or None for a write that returns nothing. Its paging, and
whether it may be sent again after an attempt that may have reached the server
(`safe-to-repeat`), come from the operation's `x-koodrive-behaviour`, read through the spec
layer: the same declaration the emulator serves and the contract suite checks. The methods
call the hand-written core, `overlays/koodrive/_resource.py`.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
from koodrive_spec.reader import Parameter, Spec
from koodrive_spec.request_rules import expectation
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.openapi import Endpoint
from openapi_python_client.parser.properties import EnumProperty, ModelProperty, Property
from openapi_python_client.parser.properties.list_property import ListProperty
from openapi_python_client.strings import PythonIdentifier

PACKAGE = "koodrive_resources"
SDK = "x-koodrive-sdk"
SDK_KEYS = frozenset({"resource", "method", "returns", "arguments"})
TEMPLATES = Path(__file__).resolve().with_name("templates")


class FacadeError(ValueError):
    """The spec cannot be turned into a facade; the message names the operation and field."""


# Parameters the core fills on every call, by their name on the wire: the caller names
# them as `trace_id=` (or not at all) and as the client's `language=`.
TRACE_ID = "X-Traceid"
SUPPLIED_BY_THE_CORE = {
    TRACE_ID: "_trace",
    "language": "_context.language",
}
# How an `extra_headers` error tells the caller where the SDK sets each of those.
SUPPLIED_AS = {
    TRACE_ID: "pass trace_id= instead",
    "language": "the client's language= sets it",
}
AUTH_OWNED = "the auth flow sets it (credentials, and what they sign)"
# What a method with a JSON request body sends of its own, beside its arguments.
BODY_OWNED = {"content-type": "the SDK sends the body as JSON (application/json)"}
# The SDK makes trace ids of hex digits; the spec's pattern must allow them.
_HEX_SAMPLE = "0123456789abcdef"
# Arguments every method takes itself; a parameter may not become one of them.
RESERVED_ARGUMENTS = frozenset(
    {
        "self",
        "cursor",
        "timeout",
        "attempt_timeout",
        "total_timeout",
        "max_retries",
        "trace_id",
        "extra_headers",
        "extra_query",
        # a batch of members' own (membership)
        "user_ids",
        "allow_failures",
    }
)
# What every resource has of its own: a method may not take one of these names.
RESERVED_METHODS = frozenset({"with_raw_response"})
# What KooDrive and AsyncKooDrive have of their own (tests/spec/test_codegen.py keeps this
# list whole): a resource may not take one of these names.
RESERVED_RESOURCES = frozenset(
    {
        "aclose",
        "attempt_timeout",
        "base_url",
        "close",
        "max_response_bytes",
        "max_retries",
        "timeout",
        "total_timeout",
        "user_id",
        "with_options",
    }
)


@dataclass(frozen=True)
class Argument:
    """One parameter of an operation as the facade method takes it."""

    name: str  # the Python name, as the generated client's function has it
    annotation: str
    default: str | None  # Python code; None: the caller must give it
    sent_as: str  # the expression passed to the generated function
    enum: str | None  # the enum class a value is converted to, checked before sending
    optional: bool  # None (the default) leaves it out of the request
    path: bool  # a path parameter of text: `.` and `..` would change the path
    positional: bool = False  # a path parameter: the method takes it by position too
    # The generated function's (or model's) name for it, when the method renames it
    # (x-koodrive-sdk arguments); None: the same as `name`.
    target: str | None = None
    # Python code converting the caller's value before it is sent (a user id given as an
    # int or a string of digits); None: sent as given (or as `enum` converts it).
    convert: str | None = None

    @property
    def keyword(self) -> str:
        """The keyword the generated function (or model) takes it by."""
        return self.target or self.name


@dataclass(frozen=True)
class Paging:
    """A listing's paging, by the generated function's and model's names for what the
    spec's `x-koodrive-behaviour` `paging` names: one scheme or the other."""

    scheme: str  # "cursor" or "offset"
    position: str  # the parameter the pager sends: the cursor, or the offset
    position_type: str  # its Python type: str, int
    resume: str  # the method's argument that starts a listing elsewhere: cursor, offset
    first: str  # Python code: where a listing starts ('' for a cursor, 0 for an offset)
    total: str  # the response model's attribute
    total_field: str  # its name on the wire, for error messages
    next_cursor: str | None = None  # cursor paging: the response model's attribute
    next_cursor_field: str | None = None
    limit: str | None = None  # offset paging: the method's argument bounding a page
    max_offset: int | None = None  # offset paging: the offset parameter's maximum
    item_key: str | None = None  # the item model's attribute naming an item (item-key)


@dataclass(frozen=True)
class Batch:
    """A batch of members (`x-koodrive-behaviour` `membership`): the body is built from
    `user_ids` (one entry each) and the entries' other fields, given once for them all;
    the answer is read leniently (`koodrive._resource.batch_result`)."""

    effect: str  # add, remove
    body_field: str  # the request model's attribute holding the entries: amend_mod_roles
    entry_model: str  # the entries' model: AmendModRole
    user_field: str  # the entry model's attribute naming the user: user_id
    entry_fields: tuple[Argument, ...]  # the entries' other fields, as keyword arguments
    status_field: str  # wire names of the answer's fields
    failed_field: str
    min_items: int
    max_items: int | None
    id_minimum: int
    id_maximum: int | None
    ids_as_text: bool


@dataclass(frozen=True)
class Body:
    """An operation's JSON request body: the generated model the method builds from its
    keyword arguments, one per field."""

    model: str  # the generated request model: CreateUserGroupRequest
    fields: tuple[Argument, ...]


@dataclass(frozen=True)
class Write:
    """What a write does, as the core tells it in an error: "the user group WAS created"."""

    effect: str  # create, update or delete; add or remove (a batch of members)
    noun: str  # what it changes, in words: "user group"
    listing: str  # the method that lists what it changes: "user_groups.list()"
    plural: bool = False  # the noun is plural: "members"


@dataclass(frozen=True)
class Method:
    operation_id: str
    resource: str
    name: str
    summary: str
    module: str  # koodrive_client.api.<tag>.<module>
    tag: str
    response_model: str
    items: str | None  # the response model's attribute holding the items
    item_type: str | None
    returns: str | None  # the response model's attribute the method returns (x-koodrive-sdk)
    returns_type: str | None
    arguments: tuple[Argument, ...]  # path arguments first, then the keyword ones
    body: Body | None
    supplied: tuple[tuple[str, str], ...]  # (python name, expression) the core fills
    paging: Paging | None
    acts_for_one_user: bool
    models: tuple[str, ...]  # what the module imports from koodrive_client.models
    imports: tuple[str, ...]  # other imports its arguments' types need (datetime, ...)
    trace_ids: tuple[str, int, str] | None  # the trace id header's pattern, length, rule
    public_models: tuple[str, ...]  # what its callers hold: items, arguments' enums and models
    request_id_header: str | None  # the response header of the gateway's request id
    # What extra_headers / extra_query may not set: name -> what sets it.
    owned_headers: tuple[tuple[str, str], ...]
    owned_query: tuple[tuple[str, str], ...]
    safe_to_repeat: bool  # x-koodrive-behaviour: may be sent again once it may have arrived
    write: Write | None
    not_found: tuple[int, int | str] | None  # the answer to a key that names no record
    batch: Batch | None = None  # a batch of members (x-koodrive-behaviour membership)
    # Arguments given together or not at all (the body's dependentRequired), by name.
    together: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.resource}.{self.name}()"

    @property
    def positional(self) -> tuple[Argument, ...]:
        return tuple(argument for argument in self.arguments if argument.positional)

    @property
    def keyword(self) -> tuple[Argument, ...]:
        return tuple(argument for argument in self.arguments if not argument.positional)

    @property
    def sent(self) -> tuple[Argument, ...]:
        """The arguments passed to the generated function as they are (not in the body)."""
        fields = set(self.body.fields) if self.body is not None else set()
        if self.batch is not None:
            fields |= {*self.batch.entry_fields, USER_IDS}
        return tuple(argument for argument in self.arguments if argument not in fields)

    @property
    def result(self) -> str:
        """The method's return annotation, pagers aside."""
        if self.batch is not None:
            return "BatchResult"
        if self.items:
            return f"list[{self.item_type}]"
        if self.returns:
            return str(self.returns_type)
        if self.write is not None:
            return "None"
        return self.response_model

    @property
    def constant(self) -> str:
        return f"_{self.resource.replace('.', '_').upper()}_{self.name.upper()}"


@dataclass(frozen=True)
class ResourceModule:
    """One resource: `user_groups`, or a sub-resource, `user_groups.members`
    (`client.user_groups.members`), with the sub-resources it holds."""

    name: str  # its path from the client: user_groups.members
    methods: tuple[Method, ...]
    children: tuple[ResourceModule, ...] = ()

    @property
    def attribute(self) -> str:
        """Its name on the resource (or client) holding it: members."""
        return self.name.rsplit(".", 1)[-1]

    @property
    def module(self) -> str:
        """Its module in the package: user_groups_members."""
        return self.name.replace(".", "_")

    @property
    def top(self) -> bool:
        return "." not in self.name

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.module.split("_"))

    @property
    def imports(self) -> Sequence[tuple[str, str]]:
        return sorted({(method.tag, method.module) for method in self.methods})

    @property
    def models(self) -> Sequence[str]:
        return sorted({model for method in self.methods for model in method.models})

    @property
    def paged(self) -> bool:
        return any(method.paging is not None for method in self.methods)

    @property
    def cursor_paged(self) -> bool:
        return any(m.paging is not None and m.paging.scheme == "cursor" for m in self.methods)

    @property
    def offset_paged(self) -> bool:
        return any(m.paging is not None and m.paging.scheme == "offset" for m in self.methods)

    @property
    def unpaged(self) -> bool:
        return any(method.paging is None for method in self.methods)

    @property
    def batches(self) -> bool:
        return any(method.batch is not None for method in self.methods)

    @property
    def converted(self) -> bool:
        return any(a.convert for m in self.methods for a in m.arguments)

    @property
    def core_imports(self) -> str:
        """What the module imports from `koodrive._resource`."""
        names = {"Call", "Operation", "Resource", "expect"}
        if self.traced:
            names.add("TraceIds")
        if self.enums:
            names.add("enum_argument")
        if self.optional_arguments:
            names.add("omitted")
        if self.cursor_paged:
            names.add("page_of")
        if self.offset_paged:
            names.add("page_at")
        if self.path_arguments:
            names.add("path_argument")
        if self.writes:
            names.add("Write")
        if self.converted:
            names.add("user_id_argument")
        if any(method.together for method in self.methods):
            names.add("together")
        if self.batches:
            names |= {"Batch", "batch_result", "checked_batch", "tolerate_unparsed"}
        return ", ".join(sorted(names, key=lambda name: (name[0].islower(), name)))

    @property
    def optional_arguments(self) -> bool:
        return any(a.sent_as.startswith("omitted(") for m in self.methods for a in m.arguments)

    @property
    def writes(self) -> bool:
        return any(method.write is not None for method in self.methods)

    @property
    def enums(self) -> bool:
        return any(a.enum for m in self.methods for a in m.arguments)

    @property
    def traced(self) -> bool:
        return any(method.trace_ids is not None for method in self.methods)

    @property
    def path_arguments(self) -> bool:
        return any(a.path for m in self.methods for a in m.arguments)

    @property
    def extra_imports(self) -> Sequence[str]:
        return sorted({line for method in self.methods for line in method.imports})


def _code(value: Any) -> str:
    """The text of one of openapi-python-client's PythonCode values."""
    return str(value.as_unembedded_code())


def _docstring_text(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _resource_path(value: object, where: str) -> str:
    """A resource, or a sub-resource as the path to it: `user_groups.members` is
    `client.user_groups.members`; each part an identifier in snake_case."""
    if not isinstance(value, str):
        raise FacadeError(f"{where} must be a Python identifier in snake_case; got {value!r}")
    parts = value.split(".")
    for part in parts:
        _identifier(part, where if len(parts) == 1 else f"{where} {value!r}: part {part!r}")
    return value


def _identifier(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
        raise FacadeError(f"{where} must be a Python identifier in snake_case; got {value!r}")
    if value != value.lower() or value.startswith("_"):
        raise FacadeError(f"{where} must be snake_case, not starting with _; got {value!r}")
    return value


def _generator_data(spec: Spec, spec_path: Path, config_path: Path) -> tuple[GeneratorData, Config]:
    """openapi-python-client's reading of the spec, with the configuration it generates by."""
    config = Config.from_sources(
        ConfigFile.load_from_path(config_path), MetaType.NONE, spec_path, "utf-8", True, None
    )
    loaded = GeneratorData.from_dict(dict(spec.document), config=config)
    if not isinstance(loaded, GeneratorData):
        raise FacadeError(f"openapi-python-client cannot read {spec_path}: {loaded.header}")
    return loaded, config


def _success_model(endpoint: Endpoint, status: int) -> ModelProperty:
    for response in endpoint.responses.patterns:
        if response.status_code.range == (status, status) and isinstance(
            response.prop, ModelProperty
        ):
            return response.prop
    raise FacadeError(f"{endpoint.name}: the success response ({status}) has no JSON object schema")


def _attribute(model: ModelProperty, wire_name: str, where: str) -> Property:
    for prop in [*(model.required_properties or []), *(model.optional_properties or [])]:
        if prop.name.get_untrusted_value() == wire_name:
            found: Property = prop
            return found
    raise FacadeError(f"{where}: {model.class_info.name} has no field {wire_name!r}")


def _argument(
    prop: Property,
    operation_id: str,
    *,
    path: bool,
    kind: str = "parameter",
    renamed: str | None = None,
    user_id_pattern: str | None = None,
) -> tuple[Argument, str | None]:
    """The facade's argument for `prop`, and the enum class it needs, if any. `renamed`:
    the method's name for it (x-koodrive-sdk arguments); `user_id_pattern`: it is a user id
    sent as a string of digits of that pattern, which the method also takes as an int."""
    name = renamed or str(prop.python_name)
    target = str(prop.python_name) if renamed else None
    if name in RESERVED_ARGUMENTS or name.startswith("_"):
        raise FacadeError(
            f"{operation_id}: {kind} {prop.name.get_untrusted_value()!r} would be the "
            f"argument {name!r}, which every method of the SDK takes itself (or a name of "
            f"its own, starting with _); rename the {kind} (reserved: "
            f"{', '.join(sorted(RESERVED_ARGUMENTS))})"
        )
    base = _code(prop.get_type_string(no_optional=True))
    enum = None
    if isinstance(prop, EnumProperty):
        enum = str(prop.class_info.name)
        value_type = prop.value_type.__name__
        base = f"{enum} | {value_type}"
    convert = None
    if user_id_pattern is not None and base == "str" and not path:
        convert = f"user_id_argument({name}, {name!r}, pattern={user_id_pattern!r})"
        base = "int | str"
    sent = f"_{name}" if enum or convert else name
    text_path = path and base == "str"
    if prop.required:
        default = _code(prop.default.python_code) if prop.default is not None else None
        required = Argument(
            name,
            base,
            default,
            sent,
            enum,
            optional=False,
            path=text_path,
            positional=path,
            target=target,
            convert=convert,
        )
        return required, enum
    optional = Argument(
        name,
        f"{base} | None",
        "None",
        f"omitted({sent})",
        enum,
        optional=True,
        path=text_path,
        target=target,
        convert=convert,
    )
    return optional, enum


def _imports(prop: Property) -> tuple[set[str], set[str]]:
    """What the generated module must import for `prop`'s type: the models it names, and
    any other import (datetime, ...)."""
    models, other = set(), set()
    lazy = set()
    if isinstance(prop, ModelProperty):  # a model's own import is lazy (TYPE_CHECKING)
        lazy = prop.get_lazy_imports(prefix="koodrive_client.")
    for line in {*prop.get_imports(prefix="koodrive_client."), *lazy}:
        if ".models." in line:
            models.add(line.rsplit(" import ", 1)[1].strip())
        elif ".types import" not in line and line != "from typing import cast":
            other.add(line)
    return models, other


def _method(
    endpoint: Endpoint, tag: str, spec: Spec, operation_id: str, field_prefix: str
) -> Method:
    operation = spec.operations[operation_id]
    declared = operation.definition.get(SDK)
    if not isinstance(declared, Mapping):
        raise FacadeError(
            f"{operation_id}: {SDK} is missing; give it {{resource: ..., method: ...}}"
        )
    unknown = sorted(set(declared) - SDK_KEYS)
    if unknown:
        raise FacadeError(
            f"{operation_id}: {SDK}.{unknown[0]} is not a key the generator reads "
            f"({', '.join(sorted(SDK_KEYS))})"
        )
    resource = _resource_path(declared.get("resource"), f"{operation_id}: {SDK}.resource")
    if resource.split(".", 1)[0] in RESERVED_RESOURCES:
        raise FacadeError(
            f"{operation_id}: {SDK}.resource {resource!r} is a name the client has of its own "
            f"(reserved: {', '.join(sorted(RESERVED_RESOURCES))})"
        )
    name = _identifier(declared.get("method"), f"{operation_id}: {SDK}.method")
    if name in RESERVED_METHODS:
        raise FacadeError(
            f"{operation_id}: {SDK}.method {name!r} is a name every resource has of its own "
            f"(reserved: {', '.join(sorted(RESERVED_METHODS))})"
        )
    renames = _renames(declared.get("arguments"), operation_id)
    behaviour = spec.behaviours.get(operation_id)
    success = behaviour.success.status if behaviour is not None else 200
    response_model = _success_model(endpoint, success)
    models = {str(response_model.class_info.name)}

    items = item_type = None
    item_model: ModelProperty | None = None
    if behaviour is not None and behaviour.items is not None:
        listed = _attribute(response_model, behaviour.items, f"{operation_id}: items")
        if not isinstance(listed, ListProperty):
            raise FacadeError(f"{operation_id}: items {behaviour.items!r} is not an array")
        items = listed.python_name
        item_type = _code(listed.inner_property.get_type_string(no_optional=True))
        if isinstance(listed.inner_property, ModelProperty | EnumProperty):
            models.add(str(listed.inner_property.class_info.name))
        if isinstance(listed.inner_property, ModelProperty):
            item_model = listed.inner_property
            models |= _field_classes(item_model)

    cursor_declared = behaviour.cursor_paging if behaviour is not None else None
    offset_declared = behaviour.offset_paging if behaviour is not None else None
    if (cursor_declared or offset_declared) is not None and items is None:
        raise FacadeError(f"{operation_id}: paging needs `items` in x-koodrive-behaviour")
    if cursor_declared is not None and cursor_declared.total is None:
        raise FacadeError(f"{operation_id}: the SDK's pages need `total` in the paging")

    returns, returns_type = _returns(declared.get("returns"), response_model, operation_id)
    if returns is not None and items is not None:
        raise FacadeError(
            f"{operation_id}: {SDK}.returns and x-koodrive-behaviour items both say what the "
            "method returns; keep one"
        )
    if returns_type is not None:
        returned = _attribute(response_model, str(declared["returns"]), operation_id)
        if isinstance(returned, ModelProperty | EnumProperty):
            models.add(str(returned.class_info.name))
        if isinstance(returned, ModelProperty):
            models |= _field_classes(returned)

    if endpoint.cookie_parameters:
        raise FacadeError(
            f"{operation_id}: cookie parameters are not supported by the SDK's generated "
            "methods yet (scripts/lib/facade.py)"
        )
    arguments: list[Argument] = []
    supplied: list[tuple[str, str]] = []
    imports: set[str] = set()
    owned_headers = dict.fromkeys(_auth_headers(spec), AUTH_OWNED)
    body = None
    batch = None
    hidden_models: set[str] = set()
    if endpoint.bodies:
        body, body_imports = _body(
            endpoint, operation_id, renames, _user_id_patterns(spec, operation_id)
        )
        models |= body_imports[0]
        imports |= body_imports[1]
        owned_headers.update(BODY_OWNED)
        if behaviour is not None and behaviour.membership is not None:
            batch, batch_models, batch_imports = _batch(endpoint, spec, operation_id, body)
            body = Body(
                body.model,
                tuple(f for f in body.fields if f.keyword != batch.body_field),
            )
            models |= batch_models
            imports |= batch_imports
            hidden_models.add(batch.entry_model)
    owned_query: dict[str, str] = {}
    paging = None
    parameters = [
        *endpoint.path_parameters,
        *endpoint.query_parameters,
        *endpoint.header_parameters,
    ]
    limit_name = None
    if offset_declared is not None:
        limits = [p for p in endpoint.query_parameters if _wire(p) == offset_declared.limit]
        limit_name = renames.get(offset_declared.limit) or str(limits[0].python_name)
    for prop in parameters:
        wire = _wire(prop)
        if prop in endpoint.query_parameters:
            owned_query[wire] = f"{renames.get(wire) or prop.python_name}="
        if wire in SUPPLIED_BY_THE_CORE:
            supplied.append((prop.python_name, SUPPLIED_BY_THE_CORE[wire]))
            owned_headers[wire.lower()] = SUPPLIED_AS[wire]
        elif cursor_declared is not None and wire == cursor_declared.cursor:
            owned_query[wire] = "cursor= (the pager sends it)"
            assert cursor_declared.total is not None
            next_cursor = _attribute(response_model, cursor_declared.next_cursor, operation_id)
            total = _attribute(response_model, cursor_declared.total, operation_id)
            paging = Paging(
                scheme="cursor",
                position=prop.python_name,
                position_type="str",
                resume="cursor",
                first=repr(cursor_declared.first_cursor),
                total=total.python_name,
                total_field=cursor_declared.total,
                next_cursor=next_cursor.python_name,
                next_cursor_field=cursor_declared.next_cursor,
            )
        elif offset_declared is not None and wire == offset_declared.offset:
            owned_query[wire] = "offset= (the pager sends it)"
            total = _attribute(response_model, offset_declared.total, operation_id)
            declared_offset = operation.parameter(wire)
            maximum = declared_offset.schema.get("maximum") if declared_offset else None
            key = None
            if behaviour is not None and behaviour.item_key is not None and item_model:
                key = _attribute(item_model, behaviour.item_key, operation_id).python_name
            paging = Paging(
                scheme="offset",
                position=prop.python_name,
                position_type="int",
                resume="offset",
                first="0",
                total=total.python_name,
                total_field=offset_declared.total,
                limit=limit_name,
                max_offset=maximum if isinstance(maximum, int) else None,
                item_key=key,
            )
        elif prop in endpoint.header_parameters:
            raise FacadeError(
                f"{operation_id}: header parameter {wire!r} is not one the SDK's core supplies "
                f"({', '.join(SUPPLIED_BY_THE_CORE)}); add it to SUPPLIED_BY_THE_CORE in "
                "scripts/lib/facade.py and to the core"
            )
        else:
            argument, enum = _argument(
                prop,
                operation_id,
                path=prop in endpoint.path_parameters,
                renamed=renames.get(wire),
            )
            if offset_declared is not None and wire == offset_declared.limit:
                argument = _page_size(argument, operation.parameter(wire), operation_id)
            arguments.append(argument)
            named, other = _imports(prop)
            models |= named
            imports |= other
            if enum:
                models.add(enum)
    unused = sorted(set(renames) - {_wire(p) for p in parameters} - _body_wires(endpoint))
    if unused:
        raise FacadeError(
            f"{operation_id}: {SDK}.arguments renames {unused[0]!r}, which is no parameter or "
            "body field of the operation"
        )
    if body is not None:
        taken = {argument.name: argument for argument in arguments}
        extra = [*body.fields, *(batch.entry_fields if batch is not None else ())]
        for field_ in extra:
            if field_.name in taken:
                raise FacadeError(
                    f"{operation_id}: body field and parameter would both be the argument "
                    f"{field_.name!r}; rename one"
                )
        # The body's fields come before the query's: they are what a write is about.
        after_path = len([argument for argument in arguments if argument.positional])
        if batch is not None:
            extra.insert(0, USER_IDS)
        arguments[after_path:after_path] = extra
    # Path arguments first (by position), then required arguments without a default, in
    # the spec's order otherwise, as Python needs.
    arguments.sort(key=lambda argument: (not argument.positional, argument.default is not None))

    owner = behaviour.owner if behaviour is not None else None
    write = _write(spec, operation_id, resource) if behaviour and behaviour.write else None
    if batch is not None:
        write = _membership_write(spec, operation_id, resource)
    hidden = {str(response_model.class_info.name)} if items or returns or write else set()
    hidden |= hidden_models
    if body is not None:
        hidden.add(body.model)
    not_found = None
    changes_a_record = write is not None and write.effect in ("update", "delete")
    if changes_a_record and behaviour and behaviour.not_found:
        not_found = (behaviour.not_found.status, behaviour.not_found.code)
    return Method(
        operation_id=operation_id,
        resource=resource,
        name=name,
        summary=_docstring_text(str(operation.definition.get("summary") or operation_id)),
        module=PythonIdentifier(endpoint.name, field_prefix),  # as the generator names it
        tag=tag,
        response_model=str(response_model.class_info.name),
        items=items,
        item_type=item_type,
        returns=returns,
        returns_type=returns_type,
        arguments=tuple(arguments),
        body=body,
        supplied=tuple(supplied),
        paging=paging,
        acts_for_one_user=_acts_for_one_user(spec, operation.security, owner),
        models=tuple(sorted(models)),
        imports=tuple(sorted(imports)),
        trace_ids=_trace_ids(operation_id, operation.parameter(TRACE_ID)),
        public_models=tuple(sorted(models - hidden)),
        request_id_header=behaviour.request_id_header if behaviour is not None else None,
        owned_headers=tuple(sorted(owned_headers.items())),
        owned_query=tuple(sorted(owned_query.items())),
        safe_to_repeat=behaviour.safe_to_repeat if behaviour is not None else True,
        write=write,
        not_found=not_found,
        batch=batch,
        together=_together(spec, operation_id, body),
    )


def _together(spec: Spec, operation_id: str, body: Body | None) -> tuple[tuple[str, str], ...]:
    """The body's `dependentRequired` pairs, as the method's argument names: checked
    before sending (`userId` and `role` of updateUserGroup)."""
    if body is None:
        return ()
    names = {field_.target or field_.name: field_.name for field_ in body.fields}
    wires = {}
    schema = _request_schema(spec, operation_id)
    for wire in schema.get("properties") or {}:
        python = PythonIdentifier(str(wire), "field_")
        if python in names:
            wires[str(wire)] = names[python]
    pairs = set()
    for wire, needed in (schema.get("dependentRequired") or {}).items():
        for other in needed:
            if wire in wires and other in wires:
                order = [field_.name for field_ in body.fields]
                pair = sorted((wires[wire], wires[other]), key=order.index)
                pairs.add((pair[0], pair[1]))
    return tuple(sorted(pairs))


def _field_classes(model: ModelProperty) -> set[str]:
    """The enums and models a returned model's fields hold (`MemberInfo.role`, a
    `MemberRole`): what its callers compare them with."""
    return {
        str(prop.class_info.name)
        for prop in [*(model.required_properties or []), *(model.optional_properties or [])]
        if isinstance(prop, ModelProperty | EnumProperty)
    }


# A batch's first argument after the path: the users it names, by position.
USER_IDS = Argument(
    "user_ids",
    "Iterable[int | str]",
    None,
    "_user_ids",
    None,
    optional=False,
    path=False,
    positional=True,
)


def _wire(prop: Property) -> str:
    return str(prop.name.get_untrusted_value())


def _body_wires(endpoint: Endpoint) -> set[str]:
    prop = endpoint.bodies[0].prop if endpoint.bodies else None
    if not isinstance(prop, ModelProperty):
        return set()
    fields = [*(prop.required_properties or []), *(prop.optional_properties or [])]
    return {_wire(field_) for field_ in fields}


def _renames(declared: object, operation_id: str) -> dict[str, str]:
    """`x-koodrive-sdk` `arguments`: {wire name: the method's argument name}, for a name the
    generated client spells unidiomatically (`keyWord` is its `key_word`; the method's
    `keyword`)."""
    if declared is None:
        return {}
    where = f"{operation_id}: {SDK}.arguments"
    if not isinstance(declared, Mapping):
        raise FacadeError(f"{where} must map a parameter's name to an argument name")
    return {
        str(wire): _identifier(argument, f"{where}.{wire}") for wire, argument in declared.items()
    }


def _page_size(argument: Argument, parameter: Parameter | None, operation_id: str) -> Argument:
    """The offset scheme's `limit` as the method takes it: its default is the spec's
    default, else its maximum (the fewest requests)."""
    if argument.default is not None:
        return argument
    schema = parameter.schema if parameter is not None else {}
    largest = schema.get("default", schema.get("maximum"))
    if not isinstance(largest, int) or isinstance(largest, bool):
        raise FacadeError(
            f"{operation_id}: the paging's limit {argument.name!r} needs a default or a "
            "maximum in its schema, for the method's default page size"
        )
    return replace(argument, default=str(largest), optional=False)


def _user_id_patterns(spec: Spec, operation_id: str) -> dict[str, str]:
    """The request body's user ids sent as strings of digits, by wire name, with their
    pattern: a body field named as some batch's user field (`membership.user-field`) is a
    user id, which the method takes as an int too."""
    user_fields = {
        behaviour.membership.user_field
        for behaviour in spec.behaviours.values()
        if behaviour.membership is not None
    }
    schema = _request_schema(spec, operation_id)
    found = {}
    for wire, field_schema in (schema.get("properties") or {}).items():
        pattern = field_schema.get("pattern") if isinstance(field_schema, Mapping) else None
        if wire in user_fields and field_schema.get("type") == "string" and pattern:
            found[str(wire)] = str(pattern)
    return found


def _request_schema(spec: Spec, operation_id: str) -> Mapping[str, Any]:
    body = spec.operations[operation_id].definition.get("requestBody") or {}
    content = spec.resolve(body).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema") or {}
    inlined: Mapping[str, Any] = spec.inline(schema)
    return inlined


def _batch(
    endpoint: Endpoint, spec: Spec, operation_id: str, body: Body
) -> tuple[Batch, set[str], set[str]]:
    """A batch of members: its entries' model and fields, its ids' bounds (from the
    schemas), and where the answer tells how it went."""
    behaviour = spec.behaviours[operation_id]
    membership = behaviour.membership
    assert membership is not None
    where = f"{operation_id}: x-koodrive-behaviour membership"
    parts = membership.users.split("/")[1:]
    if len(parts) != 1:
        raise FacadeError(
            f"{where}.users: the SDK's batches take the entries from a field of the body "
            f"itself (/field); got {membership.users!r}"
        )
    request = endpoint.bodies[0].prop
    assert isinstance(request, ModelProperty)
    entries = _attribute(request, parts[0], f"{where}.users")
    if not isinstance(entries, ListProperty) or not isinstance(
        entries.inner_property, ModelProperty
    ):
        raise FacadeError(f"{where}.users: {parts[0]!r} is not an array of objects")
    entry = entries.inner_property
    user = _attribute(entry, membership.user_field, f"{where}.user-field")
    array_schema = (_request_schema(spec, operation_id).get("properties") or {})[parts[0]]
    user_schema = (array_schema.get("items", {}).get("properties") or {})[membership.user_field]
    ids_as_text = user_schema.get("type") == "string"
    models, imports = {str(entry.class_info.name)}, {"from collections.abc import Iterable"}
    entry_fields = []
    for field_ in [*(entry.required_properties or []), *(entry.optional_properties or [])]:
        if field_ is user:
            continue
        if field_.required:
            raise FacadeError(
                f"{where}: the entries' field {_wire(field_)!r} is required; the SDK's batch "
                "methods take only the user as required, the rest once for every entry"
            )
        argument, enum = _argument(field_, operation_id, path=False, kind="entry field")
        entry_fields.append(argument)
        named, other = _imports(field_)
        models |= named
        imports |= other
        if enum:
            models.add(enum)
    response = _success_model(endpoint, behaviour.success.status)
    status = _attribute(response, membership.status, f"{where}.status")
    if not isinstance(status, EnumProperty) or status.class_info.name != "BatchStatus":
        raise FacadeError(
            f"{where}.status: {membership.status!r} must be the enum BatchStatus, which the "
            "SDK's BatchResult (koodrive.batches) holds"
        )
    models.add("BatchStatus")
    _attribute(response, membership.failed, f"{where}.failed")
    minimum = user_schema.get("minimum", 0)
    maximum = user_schema.get("maximum")
    batch = Batch(
        effect=str(membership.effect),
        body_field=str(entries.python_name),
        entry_model=str(entry.class_info.name),
        user_field=str(user.python_name),
        entry_fields=tuple(entry_fields),
        status_field=membership.status,
        failed_field=membership.failed,
        min_items=int(array_schema.get("minItems", 1)),
        max_items=array_schema.get("maxItems"),
        id_minimum=int(minimum),
        id_maximum=int(maximum) if isinstance(maximum, int) else None,
        ids_as_text=ids_as_text,
    )
    return batch, models, imports


def _membership_write(spec: Spec, operation_id: str, resource: str) -> Write:
    """How the core tells what a batch did: "the members WERE added"."""
    membership = spec.behaviours[operation_id].membership
    assert membership is not None
    listed = spec.operations[membership.members].definition.get(SDK) or {}
    listing = f"{listed.get('resource')}.{listed.get('method')}()"
    noun = resource.rsplit(".", 1)[-1].replace("_", " ")
    return Write(str(membership.effect), noun, listing, plural=True)


def _returns(
    declared: object, response_model: ModelProperty, operation_id: str
) -> tuple[str | None, str | None]:
    """The response model's attribute `x-koodrive-sdk.returns` names (a field of the success
    body, by its name on the wire), and its type; (None, None) when it names none."""
    if declared is None:
        return None, None
    where = f"{operation_id}: {SDK}.returns"
    if not isinstance(declared, str) or not declared:
        raise FacadeError(f"{where} must name a field of the success body; got {declared!r}")
    prop = _attribute(response_model, declared, where)
    if not prop.required:
        raise FacadeError(
            f"{where}: {declared!r} is optional in {response_model.class_info.name}; a method "
            "returns a field the success body always has"
        )
    return str(prop.python_name), _code(prop.get_type_string(no_optional=True))


def _body(
    endpoint: Endpoint,
    operation_id: str,
    renames: Mapping[str, str],
    user_id_patterns: Mapping[str, str],
) -> tuple[Body, tuple[set[str], set[str]]]:
    """The method's body: a JSON object whose fields become keyword arguments."""
    if len(endpoint.bodies) != 1 or endpoint.bodies[0].body_type.value != "json":
        kinds = ", ".join(str(body.body_type.value) for body in endpoint.bodies)
        raise FacadeError(
            f"{operation_id}: the SDK's generated methods send one JSON request body "
            f"(application/json); this one has {kinds} (scripts/lib/facade.py)"
        )
    prop = endpoint.bodies[0].prop
    if not isinstance(prop, ModelProperty) or not prop.required:
        raise FacadeError(
            f"{operation_id}: the request body must be a required JSON object with properties "
            "(each becomes a keyword argument)"
        )
    if prop.additional_properties is not None:  # None: additionalProperties false
        raise FacadeError(
            f"{operation_id}: the request body's schema allows additional properties; the "
            "SDK's methods take declared fields only (set additionalProperties: false)"
        )
    fields, models, other = [], set(), set()
    for field_ in [*(prop.required_properties or []), *(prop.optional_properties or [])]:
        wire = _wire(field_)
        argument, enum = _argument(
            field_,
            operation_id,
            path=False,
            kind="body field",
            renamed=renames.get(wire),
            user_id_pattern=user_id_patterns.get(wire),
        )
        fields.append(argument)
        named, imported = _imports(field_)
        models |= named
        other |= imported
        if enum:
            models.add(enum)
    model = str(prop.class_info.name)
    return Body(model, tuple(fields)), ({*models, model}, other)


def _write(spec: Spec, operation_id: str, resource: str) -> Write:
    """How the core tells what a write did: its effect, its record in words, and the
    method that lists the records (`x-koodrive-behaviour` `write.record`)."""
    behaviour = spec.behaviours[operation_id]
    assert behaviour.write is not None
    listed = spec.operations[behaviour.write.record].definition.get(SDK) or {}
    listing = f"{listed.get('resource')}.{listed.get('method')}()"
    noun = resource.replace("_", " ")
    return Write(str(behaviour.write.effect), noun[:-1] if noun.endswith("s") else noun, listing)


def _auth_headers(spec: Spec) -> list[str]:
    """Every header the auth flow writes, lower case, from the security schemes: those an
    apiKey scheme names, `Authorization` for an http one, and what a signature signs."""
    schemes = (spec.document.get("components") or {}).get("securitySchemes") or {}
    names = set()
    for scheme in schemes.values():
        if scheme.get("type") == "http":
            names.add("authorization")
        elif scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            names.add(str(scheme["name"]).lower())
        signature = scheme.get("x-koodrive-signature") or {}
        names |= {str(name).lower() for name in signature.get("required-signed-headers", ())}
    return sorted(names)


def _trace_ids(operation_id: str, parameter: Parameter | None) -> tuple[str, int, str] | None:
    """The trace id header's rule, from its schema: the SDK makes values of it and checks
    the caller's."""
    if parameter is None:
        return None
    schema = parameter.schema
    pattern, low, high = schema.get("pattern"), schema.get("minLength"), schema.get("maxLength")
    if not isinstance(pattern, str) or not isinstance(low, int) or low != high:
        raise FacadeError(
            f"{operation_id}: {TRACE_ID} needs a pattern and a fixed length (minLength = "
            "maxLength) for the SDK to make its values"
        )
    sample = (_HEX_SAMPLE * (low // len(_HEX_SAMPLE) + 1))[:low]
    if not re.fullmatch(pattern, sample):
        raise FacadeError(
            f"{operation_id}: {TRACE_ID}'s pattern {pattern!r} refuses hex digits, which the "
            "SDK makes its trace ids of"
        )
    return pattern, low, expectation(schema)


def _acts_for_one_user(spec: Spec, security: Sequence[frozenset[str]], owner: str | None) -> bool:
    """Every security requirement includes the scheme that sends the owner header."""
    if owner is None:
        return False
    owners = spec.header_schemes(owner)
    return bool(security) and all(requirement & owners for requirement in security)


def resource_modules(spec_path: Path, config_path: Path) -> list[ResourceModule]:
    """Every resource of the spec with its methods, in the spec's order."""
    spec = Spec.from_text(spec_path.read_bytes())
    data, config = _generator_data(spec, spec_path, config_path)
    field_prefix = config.field_prefix
    # The generator names each endpoint after its operationId, as below.
    endpoints = {
        str(endpoint.name): (endpoint, str(tag))
        for tag, collection in data.endpoint_collections_by_tag.items()
        for endpoint in collection.endpoints
    }
    by_resource: dict[str, list[Method]] = {}
    seen: dict[str, str] = {}
    for operation_id in spec.operations:
        found = endpoints.get(PythonIdentifier(operation_id, field_prefix))
        if found is None:
            raise FacadeError(f"{operation_id}: openapi-python-client generated no function")
        endpoint, tag = found
        method = _method(endpoint, tag, spec, operation_id, field_prefix)
        if method.label in seen:
            raise FacadeError(
                f"{operation_id} and {seen[method.label]} both declare {method.label} "
                f"in {SDK}; each operation needs a method of its own"
            )
        seen[method.label] = operation_id
        parts = method.resource.split(".")
        for depth in range(1, len(parts)):  # a sub-resource's parents, methods or not
            by_resource.setdefault(".".join(parts[:depth]), [])
        by_resource.setdefault(method.resource, []).append(method)
    return _nested(by_resource)


def _nested(by_resource: Mapping[str, Sequence[Method]]) -> list[ResourceModule]:
    """Every resource, each holding its sub-resources (`user_groups` holds
    `user_groups.members`), deepest first built; in the spec's order, parents first."""
    built: dict[str, ResourceModule] = {}
    modules_seen: dict[str, str] = {}
    for name in sorted(by_resource, key=lambda name: -name.count(".")):
        children = tuple(
            built[child]
            for child in by_resource
            if child.rsplit(".", 1)[0] == name and child.count(".") == name.count(".") + 1
        )
        methods = {method.name for method in by_resource[name]}
        for child in children:
            if child.attribute in methods or child.attribute in RESERVED_METHODS:
                raise FacadeError(
                    f"{child.name}: the sub-resource {child.attribute!r} would be the name of "
                    f"a method of {name} (or one every resource has); rename one in {SDK}"
                )
        built[name] = module = ResourceModule(name, tuple(by_resource[name]), children)
        if module.module in modules_seen:
            raise FacadeError(
                f"the resources {name} and {modules_seen[module.module]} would both be the "
                f"module {module.module}.py; rename one in {SDK}"
            )
        modules_seen[module.module] = name
    return [built[name] for name in by_resource]


def render(spec_path: Path, config_path: Path, destination: Path) -> None:
    """Write the resources package for `spec_path` into `destination` (a fresh directory)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 (Python source, not HTML)
    )
    environment.filters["py"] = repr  # a value as a Python literal
    modules = resource_modules(spec_path, config_path)
    destination.mkdir(parents=True)
    resource = environment.get_template("resource.py.jinja")
    for module in modules:
        (destination / f"{module.module}.py").write_text(resource.render(module=module), "utf-8")
    package = environment.get_template("resources_init.py.jinja")
    (destination / "__init__.py").write_text(package.render(modules=modules), "utf-8")
    public = sorted({name for m in modules for f in m.methods for name in f.public_models})
    (destination / "_models.py").write_text(
        environment.get_template("resources_models.py.jinja").render(models=public), "utf-8"
    )
    binding = environment.get_template("resources_bind.py.jinja")
    (destination / "_bind.py").write_text(binding.render(modules=modules), "utf-8")
    (destination / "py.typed").write_text("# Marker file for PEP 561\n", "utf-8")
