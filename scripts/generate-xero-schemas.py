#!/usr/bin/env python3
"""Generate JSON Schemas (draft 2020-12) of Xero's Accounting objects from Xero's OpenAPI spec.

Writes, relative to the project root (the parent of this script's folder):

  schemas/xero/NAME.schema.json     one per Xero object (Contact, Invoice, LineItem, ...)
  schemas/xero/enums.schema.json    the enumerations the spec defines once and references ($defs)
  schemas/xero/endpoints.json       the Accounting endpoints a pipeline may read or target
  Sources/XeroModel/Generated/XeroSchemas+Generated.swift
                                    the text of every file above, embedded for Swift code

Output is deterministic, so CI can regenerate and diff: `--check` regenerates into a temporary
folder and exits 1, printing a unified diff, when anything on disk differs.

Run it through scripts/generate-xero-schemas.sh, which provides a virtualenv with PyYAML (the
only third-party package this script uses). Python 3.11 or later.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = "../shared/xero-openapi/xero_accounting.yaml"  # relative to ROOT
SCHEMA_DIR = Path("schemas/xero")
SWIFT_FILE = Path("Sources/XeroModel/Generated/XeroSchemas+Generated.swift")
ID_BASE = "https://xeroflow.dev/schemas/xero/"
ENUMS_FILE = "enums.schema.json"
ENDPOINTS_FILE = "endpoints.json"

# The objects a pipeline deals with. Everything they reference is generated too (transitively).
OBJECT_ROOTS = [
    "Contact", "ContactPerson", "Address", "Phone", "Invoice", "LineItem", "LineItemTracking",
    "CreditNote", "Payment", "BankTransaction", "BankTransfer", "Item", "Purchase", "Account",
    "ManualJournal", "ManualJournalLine", "PurchaseOrder", "TrackingCategory", "TrackingOption",
    "TaxRate", "TaxComponent", "Currency", "BrandingTheme", "Organisation", "Quote", "Allocation",
    "Overpayment", "Prepayment", "Receipt", "ContactGroup", "Employee", "Attachment",
    "ValidationError", "Journal",
]

# Endpoint name -> (object, match candidates). Everything else in endpoints.json (read, create,
# update, id, list_key) is derived from the spec's operations. Match candidates are the fields
# that identify one record, in order of preference:
#   Contacts, Invoices: xero-facts.md "Identity" (InvoiceNumber is unique for ACCREC only).
#   Journals, PurchaseOrders, TaxRates: also GET-by-key paths in the spec (/Journals/{JournalNumber},
#     /PurchaseOrders/{PurchaseOrderNumber}, /TaxRates/{TaxType}).
#   Accounts (Code), Items (Code), Currencies (Code), CreditNotes, Quotes (their numbers),
#     TaxRates, TrackingCategories, ContactGroups, BrandingThemes (Name): unique per organisation
#     in Xero; Accounts by code is how Clio's integration recognises them (seeds/).
#   The rest have no natural key: their Xero identifier only.
ENDPOINTS: dict[str, tuple[str, list[str]]] = {
    "Accounts": ("Account", ["AccountID", "Code"]),
    "BankTransactions": ("BankTransaction", ["BankTransactionID"]),
    "BankTransfers": ("BankTransfer", ["BankTransferID"]),
    "BrandingThemes": ("BrandingTheme", ["BrandingThemeID", "Name"]),
    "ContactGroups": ("ContactGroup", ["ContactGroupID", "Name"]),
    "Contacts": ("Contact", ["ContactID", "ContactNumber", "Name"]),
    "CreditNotes": ("CreditNote", ["CreditNoteID", "CreditNoteNumber"]),
    "Currencies": ("Currency", ["Code"]),
    "Employees": ("Employee", ["EmployeeID"]),
    "Invoices": ("Invoice", ["InvoiceID", "InvoiceNumber"]),
    "Items": ("Item", ["ItemID", "Code"]),
    "Journals": ("Journal", ["JournalID", "JournalNumber"]),
    "ManualJournals": ("ManualJournal", ["ManualJournalID"]),
    "Organisation": ("Organisation", ["OrganisationID"]),
    "Overpayments": ("Overpayment", ["OverpaymentID"]),
    "Payments": ("Payment", ["PaymentID"]),
    "Prepayments": ("Prepayment", ["PrepaymentID"]),
    "PurchaseOrders": ("PurchaseOrder", ["PurchaseOrderID", "PurchaseOrderNumber"]),
    "Quotes": ("Quote", ["QuoteID", "QuoteNumber"]),
    "Receipts": ("Receipt", ["ReceiptID"]),
    "TaxRates": ("TaxRate", ["TaxType", "Name"]),
    "TrackingCategories": ("TrackingCategory", ["TrackingCategoryID", "Name"]),
}

# What Xero requires when CREATING a record, which the spec's `required` lists do not say (Contact
# has none, Invoice has none) or say too broadly (BankTransfer's list also binds a POST that only
# sets Status DELETED by ID). Emitted beside `required`, which stays as the spec has it:
#   "x-required-on-create": every field must be present to create the record;
#   "x-required-one-of-on-create": for each group, at least one of its fields must be present.
# Object -> (required fields, one-of groups). Sources ([P] Xero's own page or spec, [S] third party
# that paraphrases Xero's page, [U] not confirmed in the stored corpora: the brief's fact, kept):
REQUIRED_ON_CREATE: dict[str, tuple[list[str], list[list[str]]]] = {
    # [P] developer.xero.com/documentation/api/accounting/contacts "The following is required to
    #   create a contact: Name"; blog.xero.com/developer/api/Contacts "minimum elements required
    #   to add a new contact: <Name>".
    "Contact": (["Name"], []),
    # [P] developer.xero.com/documentation/api/invoices "The following are required to create a
    #   draft invoice: Type, Contact, LineItems".
    "Invoice": (["Type", "Contact", "LineItems"], []),
    # [P] blog.xero.com/developer/api/Credit Notes "minimum elements required to add a new draft
    #   credit note ... with no line items: Type, Contact".
    "CreditNote": (["Type", "Contact"], []),
    # [S] Xero's Payments page (developer.xero.com/documentation/api/accounting/payments, PUT) as
    #   paraphrased by docs.linx.software and Xero's own request example in the spec
    #   (createPayments: Invoice{InvoiceID}, Account{Code}, Date, Amount): Account (by AccountID or
    #   Code), Date, Amount, and one of Invoice, CreditNote, Prepayment, Overpayment.
    "Payment": (["Account", "Date", "Amount"], [["Invoice", "CreditNote", "Prepayment", "Overpayment"]]),
    # [S] docs.linx.software CreateBankTransaction ("Mandatory Items: Type, Contact, LineItems,
    #   BankAccount", citing developer.xero.com/documentation/api/banktransactions); the spec
    #   requires Type, LineItems, BankAccount.
    "BankTransaction": (["Type", "Contact", "LineItems", "BankAccount"], []),
    # [P] developer.xero.com/documentation/api/bank-transfers "The following are required to
    #   create a bank transfer: FromBankAccount, ToBankAccount, Amount" (Date defaults to today).
    "BankTransfer": (["FromBankAccount", "ToBankAccount", "Amount"], []),
    # [P] developer.xero.com/documentation/api/items "The following is required for a PUT / POST:
    #   Code" (a tracked item also needs InventoryAssetAccountCode and PurchaseDetails
    #   .COGSAccountCode; not modelled).
    "Item": (["Code"], []),
    # [U] Xero's Accounts page, PUT Accounts: Code, Name, Type; BankAccountNumber as well when
    #   Type is BANK (conditional: not modelled here, see xero-facts.md "Bank Feeds").
    #   The spec marks nothing required.
    "Account": (["Code", "Name", "Type"], []),
    # [S] Xero's ManualJournals page "The following are mandatory for a PUT / POST request:
    #   Narration, JournalLines" (quoted in the source comments of a Delphi Xero client; docs.linx.software
    #   CreateManualJournal: "at least two individual JournalLine sub-elements"); the spec
    #   requires Narration.
    "ManualJournal": (["Narration", "JournalLines"], []),
    # [S] docs.linx.software CreatePurchaseOrder ("Mandatory fields: Contact, LineItems", citing
    #   developer.xero.com/documentation/api/purchase-orders).
    "PurchaseOrder": (["Contact", "LineItems"], []),
    # [P] Xero's Quotes page, POST Quotes "The following are required to create a draft quote:
    #   Contact, Date, LineItems" (the spec's description of Date says it defaults to today).
    "Quote": (["Contact", "Date", "LineItems"], []),
    # [S] withone.ai "Create Tracking Categories" (PUT /TrackingCategories required body: Name).
    "TrackingCategory": (["Name"], []),
    # [U] Xero's TaxRates page, PUT TaxRates: Name, TaxComponents.
    "TaxRate": (["Name", "TaxComponents"], []),
    # [P] the spec itself, ContactGroup.Name: "Required when creating a new contact group".
    "ContactGroup": (["Name"], []),
    # [P] developer.xero.com/documentation/api/receipts "Elements for Receipts" lists Date,
    #   Contact, Lineitems, User first (the mandatory group of the PUT); docs.gravitydata.co
    #   Receipts: "A contact must be specified when creating a receipt".
    "Receipt": (["Date", "Contact", "LineItems", "User"], []),
    # [P] developer.xero.com/documentation/api/invoices "Elements for LineItems": "Description
    #   needs to be at least 1 char long"; a line with an ItemCode takes the item's description
    #   [U]: one of Description or ItemCode.
    "LineItem": ([], [["Description", "ItemCode"]]),
    # [U] PUT /Currencies adds a currency by its Code (the only writable field besides the
    #   read-back Description).
    "Currency": (["Code"], []),
}

# Keys of a property in the spec: the ones turned into JSON Schema, and the ones dropped on
# purpose. Anything else stops the script, so a newer spec cannot lose facts silently.
PROPERTY_KEYS = {
    "type", "description", "$ref", "items", "format", "enum", "readOnly", "maxLength",
    "x-is-money", "x-is-msdate", "x-is-msdate-time", "default",
}
IGNORED_PROPERTY_KEYS = {"example", "x-enum-varnames"}
OBJECT_KEYS = {"type", "properties", "required", "description", "externalDocs"}
IGNORED_OBJECT_KEYS = {"x-objectArrayKey"}
# Formats that mean something to a JSON Schema validator; `double` and `int32` do not.
MEANINGFUL_FORMATS = {"uuid", "date", "date-time", "email", "uri"}


class SpecError(Exception):
    """The spec has something this script does not know how to translate."""


# MARK: - Loading


class SpecLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader that resolves plain scalars the JSON way (YAML 1.2 core schema).

    YAML 1.1 turns `NO`, `yes`, `off` into booleans and date-like text into dates; the spec's
    enums (country codes) and examples must stay strings.
    """


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (
        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load_spec(path: Path) -> dict:
    with path.open("r", encoding="utf-8") as f:
        spec = yaml.load(f, Loader=SpecLoader)
    if not isinstance(spec, dict) or "components" not in spec or "paths" not in spec:
        raise SpecError(f"{path}: not an OpenAPI document")
    return spec


def ref_name(ref: str) -> str:
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise SpecError(f"unsupported $ref {ref!r}")
    return ref[len(prefix):]


def is_enum(definition: dict) -> bool:
    return "enum" in definition and "properties" not in definition


# MARK: - Object schemas


class Generator:
    def __init__(self, spec: dict, spec_name: str):
        self.spec = spec
        self.schemas: dict = spec["components"]["schemas"]
        self.version = str(spec.get("info", {}).get("version", "unknown"))
        self.source = (
            f"Generated by scripts/generate-xero-schemas.py from Xero's OpenAPI spec "
            f"{spec_name} {self.version} (XeroAPI/Xero-OpenAPI, MIT). Do not edit."
        )
        self.objects: list[str] = []
        self.enums: set[str] = set()

    def definition(self, name: str) -> dict:
        if name not in self.schemas:
            raise SpecError(f"the spec has no schema {name!r}")
        return self.schemas[name]

    def collect(self) -> None:
        """Finds every object reachable from OBJECT_ROOTS, and the enums they reference."""
        seen: set[str] = set()
        todo = list(OBJECT_ROOTS)
        while todo:
            name = todo.pop(0)
            if name in seen:
                continue
            seen.add(name)
            definition = self.definition(name)
            if is_enum(definition):
                self.enums.add(name)
                continue
            for prop in (definition.get("properties") or {}).values():
                for ref in self.refs_of(prop):
                    todo.append(ref)
        self.objects = sorted(seen - self.enums)
        missing = sorted(set(REQUIRED_ON_CREATE) - set(self.objects))
        if missing:
            raise SpecError(f"REQUIRED_ON_CREATE names objects that are not generated: {missing}")

    @staticmethod
    def refs_of(prop: dict) -> list[str]:
        out = []
        if "$ref" in prop:
            out.append(ref_name(prop["$ref"]))
        if isinstance(prop.get("items"), dict):
            out.extend(Generator.refs_of(prop["items"]))
        return out

    def object_schema(self, name: str) -> dict:
        definition = self.definition(name)
        unknown = set(definition) - OBJECT_KEYS - IGNORED_OBJECT_KEYS
        if unknown:
            raise SpecError(f"{name}: unsupported keys {sorted(unknown)}")
        if definition.get("type", "object") != "object":
            raise SpecError(f"{name}: expected an object schema")
        properties = definition.get("properties") or {}
        required = list(definition.get("required") or [])
        for field in required:
            if field not in properties:
                raise SpecError(f"{name}: required field {field!r} is not a property")

        description = str(definition.get("description") or "").strip()
        docs = (definition.get("externalDocs") or {}).get("url")
        if not description:
            description = f"Xero Accounting API object {name}."
        if docs:
            description += f" See {docs}"

        out: dict = {
            "x-source": self.source,
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": ID_BASE + f"{name}.schema.json",
            "title": name,
            "description": description,
            "type": "object",
            "properties": {pname: self.property_schema(f"{name}.{pname}", p)
                           for pname, p in properties.items()},
        }
        if required:
            out["required"] = required
        on_create, one_of = REQUIRED_ON_CREATE.get(name, ([], []))
        for field in on_create + [f for group in one_of for f in group]:
            if field not in properties:
                raise SpecError(f"{name}: required-on-create field {field!r} is not a property")
        if on_create:
            out["x-required-on-create"] = list(on_create)
        if one_of:
            out["x-required-one-of-on-create"] = [list(group) for group in one_of]
        out["additionalProperties"] = False
        return out

    def property_schema(self, where: str, prop: dict) -> dict:
        if not isinstance(prop, dict):
            raise SpecError(f"{where}: expected a schema")
        unknown = set(prop) - PROPERTY_KEYS - IGNORED_PROPERTY_KEYS
        if unknown:
            raise SpecError(f"{where}: unsupported keys {sorted(unknown)}")
        out: dict = {}
        description = prop.get("description")
        kind = prop.get("type")

        if "$ref" in prop:
            target = ref_name(prop["$ref"])
            definition = self.definition(target)
            if is_enum(definition):
                out["$ref"] = f"{ENUMS_FILE}#/$defs/{target}"
                kind = definition.get("type", kind)
                description = description or definition.get("description")
            else:
                out["$ref"] = f"{target}.schema.json"
                kind = None  # the referenced file says it is an object
        if kind is not None:
            if kind not in ("string", "number", "integer", "boolean", "array", "object"):
                raise SpecError(f"{where}: unsupported type {kind!r}")
            out["type"] = kind
        if kind == "array":
            if not isinstance(prop.get("items"), dict):
                raise SpecError(f"{where}: an array without items")
            out["items"] = self.property_schema(where + "[]", prop["items"])
        if description:
            out["description"] = str(description).strip()
        if "enum" in prop:
            out["enum"] = [str(v) for v in prop["enum"]]
        fmt = prop.get("format")
        if fmt in MEANINGFUL_FORMATS:
            out["format"] = fmt
        if prop.get("readOnly") is True:
            out["readOnly"] = True
        if prop.get("x-is-money") is True:
            out["x-money"] = True
        if "maxLength" in prop:
            out["maxLength"] = int(prop["maxLength"])
        if prop.get("x-is-msdate") is True or prop.get("x-is-msdate-time") is True:
            out["x-xero-date"] = True
        if prop.get("x-is-msdate-time") is True:
            out["x-xero-date-time"] = True
        if "default" in prop:
            default = self.typed_default(prop["default"], kind)
            if default is not None:
                out["default"] = default
        return dict(sorted(out.items()))

    @staticmethod
    def typed_default(value, kind):
        """The spec writes boolean defaults as the strings "false"/"true"; fix them up."""
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            return None
        if kind == "string":
            return str(value)
        if kind in ("number", "integer") and isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        return None

    def enums_schema(self) -> dict:
        defs = {}
        for name in sorted(self.enums):
            definition = self.definition(name)
            entry: dict = {}
            if definition.get("description"):
                entry["description"] = str(definition["description"]).strip()
            entry["enum"] = [str(v) for v in definition["enum"]]
            entry["type"] = definition.get("type", "string")
            defs[name] = entry
        return {
            "x-source": self.source,
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": ID_BASE + ENUMS_FILE,
            "title": "Xero enumerations",
            "description": "Enumerations that Xero's spec defines once and references from several "
                           "objects; the object schemas point at them as "
                           "enums.schema.json#/$defs/NAME.",
            "$defs": defs,
        }

    # MARK: - Endpoints

    def body_object(self, operation: dict) -> str | None:
        """The object a write operation carries: its body schema, or the items of a wrapper."""
        body = operation.get("requestBody")
        if not body:
            return None
        if "$ref" in body:
            body = self.spec["components"]["requestBodies"][body["$ref"].split("/")[-1]]
        schema = ((body.get("content") or {}).get("application/json") or {}).get("schema") or {}
        return self.unwrap(schema)

    def response_object(self, operation: dict) -> tuple[str | None, str | None]:
        """(object, list key) of a GET's 200 response."""
        content = ((operation.get("responses") or {}).get("200") or {}).get("content") or {}
        schema = (content.get("application/json") or {}).get("schema") or {}
        if "$ref" not in schema:
            return None, None
        return self.wrapped(self.definition(ref_name(schema["$ref"])))

    @staticmethod
    def wrapped(wrapper: dict) -> tuple[str | None, str | None]:
        """(object, list key) of a wrapper such as Contacts: {pagination, Warnings, Contacts}.

        The list is the array property that `x-objectArrayKey` names (`contacts`,
        `bank_transactions`); Warnings is an array too.
        """
        array_key = str(wrapper.get("x-objectArrayKey", "")).replace("_", "").lower()
        for key, prop in (wrapper.get("properties") or {}).items():
            items = prop.get("items") or {}
            if key.lower() == array_key and prop.get("type") == "array" and "$ref" in items:
                return ref_name(items["$ref"]), key
        return None, None

    def unwrap(self, schema: dict) -> str | None:
        if "$ref" not in schema:
            return None
        name = ref_name(schema["$ref"])
        definition = self.definition(name)
        if "x-objectArrayKey" in definition:
            return self.wrapped(definition)[0]
        return name

    def endpoints(self) -> dict:
        paths: dict = self.spec["paths"]
        out = {}
        for endpoint, (obj, match) in sorted(ENDPOINTS.items()):
            if obj not in self.objects:
                raise SpecError(f"endpoint {endpoint}: object {obj} is not generated")
            properties = self.definition(obj).get("properties") or {}
            for field in match:
                if field not in properties:
                    raise SpecError(f"endpoint {endpoint}: match field {field!r} is not a field of {obj}")
            collection = f"/{endpoint}"
            by_key = re.compile(r"^/" + re.escape(endpoint) + r"/\{([^/}]+)\}$")
            read = create = update = False
            list_key = None
            key_params: list[str] = []
            operations = []
            for path in sorted(paths):
                m = by_key.match(path)
                if path != collection and not m:
                    continue
                item = paths[path]
                for method in ("get", "put", "post"):
                    operation = item.get(method)
                    if not operation:
                        continue
                    op_id = operation.get("operationId", "")
                    if method == "get":
                        carried, key = self.response_object(operation)
                        if carried != obj:
                            continue
                        read = True
                        list_key = list_key or key
                        if m and m.group(1) in properties and m.group(1) not in key_params:
                            key_params.append(m.group(1))
                    else:
                        # Status-only bodies (PaymentDelete, BankTransferDelete) carry another
                        # schema and are not creates or updates.
                        if self.body_object(operation) != obj:
                            continue
                        if method == "put":  # PUT creates only
                            create = True
                        elif op_id.startswith("updateOrCreate"):  # POST creates or updates
                            create = update = True
                        elif op_id.startswith("update"):
                            update = True
                        elif op_id.startswith("create"):
                            create = True
                        else:
                            continue
                    operations.append(f"{method.upper()} {path}")
            id_field = f"{obj}ID" if f"{obj}ID" in properties else (
                key_params[0] if key_params else match[0])
            entry = {
                "create": create,
                "id": id_field,
                "list_key": list_key or endpoint,
                "match": match,
                "object": obj,
                "operations": operations,
                "read": read,
                "update": update,
            }
            if not operations:
                entry["note"] = (f"the spec ({self.version}) has no operations on {collection}: "
                                 f"the object is described, the endpoint cannot be used")
            out[endpoint] = dict(sorted(entry.items()))
        return out

    # MARK: - Files

    def files(self) -> dict[str, str]:
        """Every output file: path relative to the project root -> text."""
        self.collect()
        texts: dict[str, str] = {}
        for name in self.objects:
            texts[f"{name}.schema.json"] = dump(self.object_schema(name))
        texts[ENUMS_FILE] = dump(self.enums_schema())
        texts[ENDPOINTS_FILE] = dump(self.endpoints())
        self.check_refs(texts)
        out = {str(SCHEMA_DIR / n): t for n, t in sorted(texts.items())}
        out[str(SWIFT_FILE)] = self.swift(texts)
        return out

    @staticmethod
    def check_refs(texts: dict[str, str]) -> None:
        """Every $ref must resolve offline, by file name, to something that exists."""
        docs = {n: json.loads(t) for n, t in texts.items()}

        def walk(value, where):
            if isinstance(value, dict):
                ref = value.get("$ref")
                if isinstance(ref, str):
                    file, _, fragment = ref.partition("#")
                    target = docs.get(file)
                    if target is None:
                        raise SpecError(f"{where}: $ref {ref!r} names no generated file")
                    for token in [t for t in fragment.split("/") if t]:
                        if not isinstance(target, dict) or token not in target:
                            raise SpecError(f"{where}: $ref {ref!r} does not resolve")
                        target = target[token]
                for v in value.values():
                    walk(v, where)
            elif isinstance(value, list):
                for v in value:
                    walk(v, where)

        for name, doc in docs.items():
            walk(doc, name)

    def swift(self, texts: dict[str, str]) -> str:
        lines = [
            f"// {self.source}",
            "// Regenerate with scripts/generate-xero-schemas.sh; CI runs it with --check.",
            "//",
            "// The text of every file in schemas/xero, byte for byte, keyed by file name.",
            "",
            "extension XeroSchemas {",
            "    /// The version of Xero's OpenAPI spec (xero_accounting.yaml) the schemas come from.",
            f"    public static let specVersion = {swift_string(self.version)}",
            "",
            "    /// The JSON text of every file in schemas/xero, keyed by file name",
            "    /// (\"Contact.schema.json\", \"enums.schema.json\", \"endpoints.json\").",
            "    public static let files: [String: String] = [",
        ]
        for name, text in sorted(texts.items()):
            hashes = raw_delimiter(text)
            lines.append(f"        {swift_string(name)}: {hashes}\"\"\"")
            # The newline before the closing delimiter is not part of a multi-line literal, so
            # the text's own trailing newline survives as the empty line before it.
            lines.append(text + f"\n\"\"\"{hashes},")
        lines.append("    ]")
        lines.append("}")
        return "\n".join(lines) + "\n"


def dump(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def swift_string(s: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._+\- ]*", s):
        raise SpecError(f"unexpected characters in {s!r}")
    return '"' + s + '"'


def raw_delimiter(text: str) -> str:
    """The fewest #'s such that the text neither closes the literal nor contains an escape."""
    n = 1
    while ('"' + "#" * n) in text or ("\\" + "#" * n) in text:
        n += 1
    return "#" * n


# MARK: - Writing and checking


def write(root: Path, files: dict[str, str]) -> int:
    """Writes files under root, removing stale files from schemas/xero. Returns files changed."""
    changed = 0
    generated = {root / p for p in files}
    schema_dir = root / SCHEMA_DIR
    if schema_dir.is_dir():
        for existing in sorted(schema_dir.iterdir()):
            if existing.is_file() and existing not in generated:
                existing.unlink()
                changed += 1
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        if path.is_file() and path.read_bytes() == data:
            continue
        path.write_bytes(data)
        changed += 1
    return changed


def check(root: Path, files: dict[str, str]) -> list[str]:
    """Regenerates into a temporary folder and returns a unified diff against root."""
    with tempfile.TemporaryDirectory(prefix="xero-schemas-") as tmp:
        write(Path(tmp), files)
        fresh_root = Path(tmp)
        names = set(files)
        schema_dir = root / SCHEMA_DIR
        if schema_dir.is_dir():
            names |= {str(SCHEMA_DIR / p.name) for p in schema_dir.iterdir() if p.is_file()}
        diff: list[str] = []
        for rel in sorted(names):
            old_path, new_path = root / rel, fresh_root / rel
            old = old_path.read_text(encoding="utf-8") if old_path.is_file() else ""
            new = new_path.read_text(encoding="utf-8") if new_path.is_file() else ""
            if old == new and old_path.is_file() == new_path.is_file():
                continue
            hunks = list(difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True),
                fromfile=f"a/{rel}" if old_path.is_file() else "/dev/null",
                tofile=f"b/{rel}" if new_path.is_file() else "/dev/null"))
            if not hunks:  # an empty file that should not be there, or is missing
                hunks = [f"{'unexpected' if old_path.is_file() else 'missing'} file: {rel}\n"]
            if not hunks[-1].endswith("\n"):
                hunks[-1] += "\n"
            diff.extend(hunks)
        return diff


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=DEFAULT_SPEC,
                        help=f"Xero's xero_accounting.yaml (default: {DEFAULT_SPEC}, relative to the project root)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 with a diff when the files on disk are stale")
    args = parser.parse_args(argv)

    started = time.monotonic()
    spec_path = Path(args.spec)
    if not spec_path.is_absolute():
        spec_path = ROOT / spec_path
    try:
        generator = Generator(load_spec(spec_path), spec_path.name)
        files = generator.files()
    except (OSError, yaml.YAMLError, SpecError) as error:
        print(f"generate-xero-schemas: error: {error}", file=sys.stderr)
        return 2

    elapsed = time.monotonic() - started
    if args.check:
        diff = check(ROOT, files)
        if diff:
            sys.stdout.writelines(diff)
            print(f"generate-xero-schemas: schemas/xero or {SWIFT_FILE} is stale; "
                  f"run scripts/generate-xero-schemas.sh and commit the result", file=sys.stderr)
            return 1
        print(f"generate-xero-schemas: {len(files)} files up to date ({elapsed:.2f} s)", file=sys.stderr)
        return 0
    changed = write(ROOT, files)
    print(f"generate-xero-schemas: {len(files)} files, {changed} changed ({elapsed:.2f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
