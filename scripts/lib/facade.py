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
from dataclasses import dataclass
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
SDK_KEYS = frozenset({"resource", "method", "returns"})
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


@dataclass(frozen=True)
class Paging:
    cursor: str  # the generated function's name for the cursor parameter
    first_cursor: str  # Python code
    next_cursor: str  # the response model's attribute
    total: str
    next_cursor_field: str  # their names on the wire, for error messages
    total_field: str


@dataclass(frozen=True)
class Body:
    """An operation's JSON request body: the generated model the method builds from its
    keyword arguments, one per field."""

    model: str  # the generated request model: CreateUserGroupRequest
    fields: tuple[Argument, ...]


@dataclass(frozen=True)
class Write:
    """What a write does, as the core tells it in an error: "the user group WAS created"."""

    effect: str  # create, update or delete
    noun: str  # what it changes, in words: "user group"
    listing: str  # the method that lists what it changes: "user_groups.list()"


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
        return tuple(argument for argument in self.arguments if argument not in fields)

    @property
    def result(self) -> str:
        """The method's return annotation, pagers aside."""
        if self.items:
            return f"list[{self.item_type}]"
        if self.returns:
            return str(self.returns_type)
        if self.write is not None:
            return "None"
        return self.response_model

    @property
    def constant(self) -> str:
        return f"_{self.resource.upper()}_{self.name.upper()}"


@dataclass(frozen=True)
class ResourceModule:
    name: str
    methods: tuple[Method, ...]

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_"))

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
    def unpaged(self) -> bool:
        return any(method.paging is None for method in self.methods)

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
    prop: Property, operation_id: str, *, path: bool, kind: str = "parameter"
) -> tuple[Argument, str | None]:
    """The facade's argument for `prop`, and the enum class it needs, if any."""
    name = str(prop.python_name)
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
    sent = f"_{name}" if enum else name
    text_path = path and base == "str"
    if prop.required:
        default = _code(prop.default.python_code) if prop.default is not None else None
        required = Argument(
            name, base, default, sent, enum, optional=False, path=text_path, positional=path
        )
        return required, enum
    optional = Argument(
        name, f"{base} | None", "None", f"omitted({sent})", enum, optional=True, path=text_path
    )
    return optional, enum


def _imports(prop: Property) -> tuple[set[str], set[str]]:
    """What the generated module must import for `prop`'s type: the models it names, and
    any other import (datetime, ...)."""
    models, other = set(), set()
    for line in prop.get_imports(prefix="koodrive_client."):
        if ".models." in line:
            models.add(line.rsplit(" import ", 1)[1].strip())
        elif ".types import" not in line:
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
    resource = _identifier(declared.get("resource"), f"{operation_id}: {SDK}.resource")
    if resource in RESERVED_RESOURCES:
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
    behaviour = spec.behaviours.get(operation_id)
    success = behaviour.success.status if behaviour is not None else 200
    response_model = _success_model(endpoint, success)
    models = {str(response_model.class_info.name)}

    items = item_type = None
    if behaviour is not None and behaviour.items is not None:
        listed = _attribute(response_model, behaviour.items, f"{operation_id}: items")
        if not isinstance(listed, ListProperty):
            raise FacadeError(f"{operation_id}: items {behaviour.items!r} is not an array")
        items = listed.python_name
        item_type = _code(listed.inner_property.get_type_string(no_optional=True))
        if isinstance(listed.inner_property, ModelProperty | EnumProperty):
            models.add(str(listed.inner_property.class_info.name))

    paging_declared = behaviour.cursor_paging if behaviour is not None else None
    if paging_declared is not None and items is None:
        raise FacadeError(f"{operation_id}: paging needs `items` in x-koodrive-behaviour")
    if paging_declared is not None and paging_declared.total is None:
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
    if endpoint.bodies:
        body, body_imports = _body(endpoint, operation_id)
        models |= body_imports[0]
        imports |= body_imports[1]
        owned_headers.update(BODY_OWNED)
    owned_query: dict[str, str] = {}
    paging = None
    parameters = [
        *endpoint.path_parameters,
        *endpoint.query_parameters,
        *endpoint.header_parameters,
    ]
    for prop in parameters:
        wire = prop.name.get_untrusted_value()
        if prop in endpoint.query_parameters:
            owned_query[wire] = f"{prop.python_name}="
        if wire in SUPPLIED_BY_THE_CORE:
            supplied.append((prop.python_name, SUPPLIED_BY_THE_CORE[wire]))
            owned_headers[wire.lower()] = SUPPLIED_AS[wire]
        elif paging_declared is not None and wire == paging_declared.cursor:
            owned_query[wire] = "cursor= (the pager sends it)"
            assert paging_declared.total is not None
            next_cursor = _attribute(response_model, paging_declared.next_cursor, operation_id)
            total = _attribute(response_model, paging_declared.total, operation_id)
            paging = Paging(
                cursor=prop.python_name,
                first_cursor=repr(paging_declared.first_cursor),
                next_cursor=next_cursor.python_name,
                total=total.python_name,
                next_cursor_field=paging_declared.next_cursor,
                total_field=paging_declared.total,
            )
        elif prop in endpoint.header_parameters:
            raise FacadeError(
                f"{operation_id}: header parameter {wire!r} is not one the SDK's core supplies "
                f"({', '.join(SUPPLIED_BY_THE_CORE)}); add it to SUPPLIED_BY_THE_CORE in "
                "scripts/lib/facade.py and to the core"
            )
        else:
            argument, enum = _argument(prop, operation_id, path=prop in endpoint.path_parameters)
            arguments.append(argument)
            named, other = _imports(prop)
            models |= named
            imports |= other
            if enum:
                models.add(enum)
    if body is not None:
        taken = {argument.name: argument for argument in arguments}
        for field_ in body.fields:
            if field_.name in taken:
                raise FacadeError(
                    f"{operation_id}: body field and parameter would both be the argument "
                    f"{field_.name!r}; rename one"
                )
        # The body's fields come before the query's: they are what a write is about.
        after_path = len([argument for argument in arguments if argument.positional])
        arguments[after_path:after_path] = body.fields
    # Path arguments first (by position), then required arguments without a default, in
    # the spec's order otherwise, as Python needs.
    arguments.sort(key=lambda argument: (not argument.positional, argument.default is not None))

    owner = behaviour.owner if behaviour is not None else None
    write = _write(spec, operation_id, resource) if behaviour and behaviour.write else None
    hidden = {str(response_model.class_info.name)} if items or returns or write else set()
    if body is not None:
        hidden.add(body.model)
    not_found = None
    if write is not None and write.effect != "create" and behaviour and behaviour.not_found:
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
    )


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


def _body(endpoint: Endpoint, operation_id: str) -> tuple[Body, tuple[set[str], set[str]]]:
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
        argument, enum = _argument(field_, operation_id, path=False, kind="body field")
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
        by_resource.setdefault(method.resource, []).append(method)
    return [ResourceModule(name, tuple(methods)) for name, methods in by_resource.items()]


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
        (destination / f"{module.name}.py").write_text(resource.render(module=module), "utf-8")
    package = environment.get_template("resources_init.py.jinja")
    (destination / "__init__.py").write_text(package.render(modules=modules), "utf-8")
    public = sorted({name for m in modules for f in m.methods for name in f.public_models})
    (destination / "_models.py").write_text(
        environment.get_template("resources_models.py.jinja").render(models=public), "utf-8"
    )
    binding = environment.get_template("resources_bind.py.jinja")
    (destination / "_bind.py").write_text(binding.render(modules=modules), "utf-8")
    (destination / "py.typed").write_text("# Marker file for PEP 561\n", "utf-8")
