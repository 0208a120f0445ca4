#!/usr/bin/env python3
"""Generates docs/pipeline-reference.md from schemas/pipeline.schema.json.

One section per part of a pipeline file (top level, schedule, xero, sources, lookups, steps and
each step part, targets, tests), each with a table: field | type | required | default |
description | example. The output is deterministic: CI regenerates it and diffs.

Usage: scripts/generate-pipeline-reference.py [--check]
  --check  regenerate into a temporary file; exit 1 with a unified diff when
           docs/pipeline-reference.md differs (or is missing).
Python 3 standard library only.

The generator refuses schema keywords it does not know how to render, so the reference can never
silently leave a rule out: teach it the keyword (see HANDLED_KEYWORDS) instead.
"""
import difflib
import json
import os
import re
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "schemas", "pipeline.schema.json")
OUTPUT = os.path.join(ROOT, "docs", "pipeline-reference.md")
SCHEMA_REL = "../schemas/pipeline.schema.json"  # relative to docs/

HANDLED_KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "title", "description", "examples", "default",
    "type", "const", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "items", "minItems", "maxItems", "uniqueItems",
    "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
    "minProperties", "maxProperties", "oneOf", "anyOf", "allOf", "not", "if", "then", "else",
    "dependentRequired", "dependentSchemas", "x-interpolate", "x-expression",
}

# Enums longer than this are listed once in their own section and linked from the tables.
LONG_ENUM = 8

# (title, JSON pointer of the part, where it sits in a pipeline file, link text, options)
SECTIONS = [
    ("Top level", "", "the top of the file", "top level", {}),
    ("Schedule", "/$defs/schedule", "`schedule:`", "schedule", {}),
    ("Xero connection", "/$defs/xero", "`xero:`", "Xero connection", {}),
    ("Sources", "/$defs/source", "`sources.<name>`, one entry per source", "source", {"kinds": "source"}),
    ("Lookups", "/$defs/lookups", "`lookups:`, and a test's `lookups:`", "lookup tables", {"keys": "Table names"}),
    ("Steps", "/$defs/step", "`steps.<name>`, one entry per step", "step", {}),
    ("Step: filter", "/$defs/step/properties/filter", "`steps.<name>.filter`", "filter", {"field": "filter"}),
    ("Step: explode", "/$defs/step/properties/explode", "`steps.<name>.explode`", "explode", {}),
    ("Step: join", "/$defs/step/properties/join", "`steps.<name>.join`", "join", {}),
    ("Step: group", "/$defs/step/properties/group", "`steps.<name>.group`", "group", {}),
    ("Step: map", "/$defs/step/properties/map", "`steps.<name>.map`", "map", {}),
    ("Step: set", "/$defs/step/properties/set", "`steps.<name>.set`", "set", {}),
    ("Step: dedupe", "/$defs/step/properties/dedupe", "`steps.<name>.dedupe`", "dedupe", {}),
    ("Targets", "/$defs/target", "`targets.<name>`, one entry per target", "target", {"kinds": "target"}),
    ("Tests", "/$defs/test", "`tests:`, one item per test", "test", {}),
]


class SchemaError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# YAML rendering (flow style for inline examples, block style for section examples)

# Values that YAML 1.1 or 1.2 readers may take for something else than a string are quoted.
# Keys are quoted only for YAML 1.2 (xeroflow reads YAML the JSON way: `on:` is the key "on").
YAML_RESERVED = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "=", "<<"}
YAML_RESERVED_KEYS = {"true", "false", "null", "~", "<<"}
NUMBER_LIKE = re.compile(
    r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$"
    r"|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$|^0x[0-9a-fA-F_]+$|^0o[0-7_]+$|^0b[01_]+$"
)
DATE_LIKE = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")


def yaml_string(s, flow, key=False):
    plain = not (
        s == ""
        or s != s.strip()
        or s[0] in "-?:,[]{}#&*!|>'\"%@`"
        or ": " in s
        or " #" in s
        or s.endswith(":")
        or (flow and any(c in s for c in ",[]{}"))
        or s.lower() in (YAML_RESERVED_KEYS if key else YAML_RESERVED)
        or "*" in s  # valid plain, but `*` reads like an alias: quoted as the example pipelines do
        or NUMBER_LIKE.match(s)
        or DATE_LIKE.match(s)
        or any(ord(c) < 32 or ord(c) == 127 for c in s)
    )
    if plain:
        return s
    if '"' in s and "'" not in s and not any(ord(c) < 32 for c in s):
        return "'" + s + "'"
    return json.dumps(s, ensure_ascii=False)


def yaml_flow(v, flow=False):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    if isinstance(v, str):
        return yaml_string(v, flow)
    if isinstance(v, list):
        return "[" + ", ".join(yaml_flow(x, True) for x in v) + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(yaml_string(k, True, key=True) + ": " + yaml_flow(x, True) for k, x in v.items()) + " }"
    raise SchemaError(f"cannot render example value {v!r}")


def yaml_block(v, indent=0):
    """Block-style YAML lines for a value that is a mapping or a list."""
    pad = " " * indent
    lines = []
    if isinstance(v, dict):
        for k, x in v.items():
            key = yaml_string(k, False, key=True)
            if isinstance(x, list) and all(not isinstance(i, (dict, list)) for i in x) and len(yaml_flow(x)) <= 60:
                lines.append(f"{pad}{key}: {yaml_flow(x)}")
            elif isinstance(x, (dict, list)) and x:
                lines.append(f"{pad}{key}:")
                lines.extend(yaml_block(x, indent + 2))
            else:
                lines.append(f"{pad}{key}: {yaml_flow(x)}")
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, (dict, list)) and x:
                inner = yaml_block(x, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {yaml_flow(x)}")
    else:
        lines.append(pad + yaml_flow(v))
    return lines


# ---------------------------------------------------------------------------------------------
# Markdown helpers


def code(text):
    ticks = "`"
    while ticks in text:
        ticks += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def cell(text):
    return text.replace("\n", " ").replace("|", "\\|")


def slugify(title, used):
    """GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens, -N for repeats."""
    s = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
    base, n = s, 0
    while s in used:
        n += 1
        s = f"{base}-{n}"
    used.add(s)
    return s


def words(items, conj="or"):
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {conj} {items[1]}"
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def codes(names, conj="or"):
    return words([code(n) for n in names], conj)


# ---------------------------------------------------------------------------------------------
# The schema


class Reference:
    def __init__(self, schema):
        self.root = schema
        self.section_anchor = {}  # JSON pointer -> (title, anchor)
        self.value_lists = {}  # JSON pointer of a long enum -> (title, anchor)
        self.check_keywords(schema, "")

    def check_keywords(self, s, ptr):
        if isinstance(s, bool):
            return
        if not isinstance(s, dict):
            raise SchemaError(f"{ptr or '/'}: not a schema")
        for k in s:
            if k not in HANDLED_KEYWORDS:
                raise SchemaError(f"{ptr or '/'}: keyword {k!r} is not rendered by the generator; teach it")
        for k in ("properties", "patternProperties", "$defs", "dependentSchemas"):
            for name, sub in s.get(k, {}).items():
                self.check_keywords(sub, f"{ptr}/{k}/{name}")
        for k in ("additionalProperties", "propertyNames", "items", "not", "if", "then", "else"):
            if k in s:
                self.check_keywords(s[k], f"{ptr}/{k}")
        for k in ("oneOf", "anyOf", "allOf"):
            for i, sub in enumerate(s.get(k, [])):
                self.check_keywords(sub, f"{ptr}/{k}/{i}")

    def at(self, ptr):
        node = self.root
        for part in ptr.split("/")[1:]:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def resolve(self, s):
        """(merged schema, pointer of the $ref target or None). Siblings of $ref win."""
        if "$ref" not in s:
            return s, None
        ref = s["$ref"]
        if not ref.startswith("#/"):
            raise SchemaError(f"unsupported $ref {ref}")
        ptr = ref[1:]
        target, inner = self.resolve(self.at(ptr))
        merged = dict(target)
        merged.update({k: v for k, v in s.items() if k != "$ref"})
        return merged, ptr

    # -- types ------------------------------------------------------------------------------

    def link(self, ptr):
        if ptr in self.section_anchor:
            _, anchor, text = self.section_anchor[ptr]
            return f"[{text}](#{anchor})"
        return None

    def type_text(self, s):
        text, _ = self.noun(s)
        if text.startswith("["):  # a bare link to the section of an object part
            text = "object, see " + text
        if s.get("x-interpolate") or self.resolve(s)[0].get("x-interpolate"):
            text += ", `${VAR}` expanded"
        return text

    def noun(self, s):
        """(singular, plural) readable type of a schema."""
        r, ptr = self.resolve(s)
        if ptr is not None and ptr in self.section_anchor and "x-expression" not in s:
            _, anchor, text = self.section_anchor[ptr]
            if "additionalProperties" in r and "properties" not in r:
                return f"mapping: see [{text}](#{anchor})", f"mappings: see [{text}](#{anchor})"
            return f"[{text}](#{anchor})", f"[{text}s](#{anchor})"
        if ptr is not None and ptr in self.value_lists:
            title, anchor = self.value_lists[ptr]
            return (f"one of the [{title[0].lower() + title[1:]}](#{anchor})",) * 2
        if "const" in r:
            return f"always {code(yaml_flow(r['const']))}", f"always {code(yaml_flow(r['const']))}"
        if "enum" in r:
            vals = ", ".join(code(yaml_flow(v)) for v in r["enum"])
            return f"one of: {vals}", f"each one of: {vals}"
        types = r.get("type")
        if types is None:
            return "any value", "any values"
        if isinstance(types, str):
            types = [types]
        parts = [self.noun_of_type(r, t) for t in types]
        return " | ".join(p[0] for p in parts), " | ".join(p[1] for p in parts)

    def noun_of_type(self, r, t):
        if t == "string":
            if r.get("x-expression"):
                return "string (JSONata expression)", "JSONata expressions"
            lo, hi = r.get("minLength"), r.get("maxLength")
            extra = []
            if "pattern" in r:
                extra.append(f"matching {code(r['pattern'])}")
            if lo is not None and lo == hi:
                extra.append(f"of exactly {lo} character{'s' if lo != 1 else ''}")
            else:
                if lo is not None and lo > 1:
                    extra.append(f"of at least {lo} characters")
                if hi is not None:
                    extra.append(f"of at most {hi} characters")
            tail = (" " + ", ".join(extra)) if extra else ""
            return "string" + tail, "strings" + tail
        if t in ("integer", "number"):
            lo = r.get("minimum")
            hi = r.get("maximum")
            xlo, xhi = r.get("exclusiveMinimum"), r.get("exclusiveMaximum")
            if lo is not None and hi is not None:
                rng = f" {lo}–{hi}"
            else:
                rng = ""
                if lo is not None:
                    rng += f" ≥ {lo}"
                if hi is not None:
                    rng += f" ≤ {hi}"
            if xlo is not None:
                rng += f" > {xlo}"
            if xhi is not None:
                rng += f" < {xhi}"
            return t + rng, t + "s" + rng
        if t == "boolean":
            return "boolean", "booleans"
        if t == "null":
            return "null", "nulls"
        if t == "array":
            items = r.get("items")
            _, item_plural = self.noun(items) if items is not None else ("", "values")
            adj = []
            if r.get("minItems", 0) >= 1:
                adj.append("non-empty" if r["minItems"] == 1 else f"at least {r['minItems']} item")
            text = "list of "
            if adj:
                text = adj[0] + " " + text
            if r.get("uniqueItems"):
                item_plural = "distinct " + item_plural
            text += item_plural
            if "maxItems" in r:
                text += f" (at most {r['maxItems']})"
            return text, text.replace("list of", "lists of", 1)
        if t == "object":
            if "additionalProperties" in r and not r.get("properties"):
                ap = r["additionalProperties"]
                value = "any value" if ap is True else self.noun(ap)[0]
                text = f"mapping: {code(self.key_placeholder(r))} → {value}"
            elif not r.get("properties") and "additionalProperties" not in r:
                text = f"mapping: {code(self.key_placeholder(r))} → any value" if "propertyNames" in r else "object"
            else:
                text = "object"
            if r.get("minProperties", 0) >= 1:
                text += ", at least one entry" if r["minProperties"] == 1 else f", at least {r['minProperties']} entries"
            if "maxProperties" in r:
                text += f", at most {r['maxProperties']} entries"
            return text, text.replace("mapping", "mappings", 1).replace("object", "objects", 1)
        raise SchemaError(f"unknown type {t}")

    def key_placeholder(self, r):
        pn = r.get("propertyNames")
        if isinstance(pn, dict):
            _, ptr = self.resolve(pn)
            if ptr == "/$defs/name":
                return "<name>"
            return "<field>"
        return "<key>"

    # -- constraints in words ---------------------------------------------------------------

    def condition_words(self, s):
        """A schema used as a condition, in words (best effort, else its JSON)."""
        bits = []
        rest = {k: v for k, v in s.items() if k not in ("properties", "required")}
        for name, sub in s.get("properties", {}).items():
            if "const" in sub and set(sub) <= {"const"}:
                bits.append(f"{code(name)} is {code(yaml_flow(sub['const']))}")
            elif "enum" in sub and set(sub) <= {"enum"}:
                bits.append(f"{code(name)} is {words([code(yaml_flow(v)) for v in sub['enum']])}")
            else:
                rest.setdefault("properties", {})[name] = sub
        for name in s.get("required", []):
            if not any(b.startswith(code(name) + " is") for b in bits):
                bits.append(f"{code(name)} is present")
        if set(rest) == {"not"} and set(rest["not"]) == {"required"}:
            bits.extend(f"{code(n)} is absent" for n in rest["not"]["required"])
            rest = {}
        if rest:
            bits.append("the value matches " + code(json.dumps(rest, ensure_ascii=False)))
        return words(bits, "and")

    def demand_words(self, s):
        """A schema applied as a consequence, in words."""
        if set(s) == {"required"}:
            return f"{codes(s['required'], 'and')} {'is' if len(s['required']) == 1 else 'are'} required"
        if set(s) == {"not"} and set(s["not"]) == {"required"}:
            return f"{codes(s['not']['required'], 'and')} may not be used"
        alts = self.required_alternatives(s)
        if alts is not None:
            return "one of " + words([codes(a, "and") for a in alts]) + " is required"
        return self.condition_words(s) + " is required"

    @staticmethod
    def required_alternatives(s):
        """[['a'], ['b']] for {"required": [...]} or {"anyOf"/"oneOf": [{"required": [...]}, ...]}."""
        if set(s) == {"required"}:
            return [s["required"]]
        for k in ("anyOf", "oneOf"):
            if set(s) == {k} and all(set(x) == {"required"} for x in s[k]):
                return [x["required"] for x in s[k]]
        return None

    def kind_group(self, r):
        """The names of an 'exactly one of' group of single required keys, if any."""
        one = r.get("oneOf")
        if one and all(set(x) == {"required"} and len(x["required"]) == 1 for x in one):
            return [x["required"][0] for x in one]
        return None

    def constraints(self, r, kind_word=None):
        out = []
        group = self.kind_group(r)
        if group:
            if kind_word:
                out.append(f"Exactly one of {codes(group)} — the {kind_word}'s kind, see the table above.")
            else:
                out.append(f"Exactly one of {codes(group)}.")
        elif "oneOf" in r:
            out.append("Exactly one of these holds: " + "; ".join(self.condition_words(x) for x in r["oneOf"]) + ".")
        for k in ("anyOf",):
            if k in r:
                out.append("At least one of these holds: " + "; ".join(self.condition_words(x) for x in r[k]) + ".")
        # dependentRequired, merged by what is required
        by_need = {}
        for trig, needs in r.get("dependentRequired", {}).items():
            by_need.setdefault(tuple(needs), []).append(trig)
        for needs, trigs in by_need.items():
            verb = "is" if len(needs) == 1 else "are"
            out.append(f"With {codes(trigs)}, {codes(needs, 'and')} {verb} required.")
        for trig, sub in r.get("dependentSchemas", {}).items():
            alts = self.required_alternatives(sub)
            if alts is not None and all(len(a) == 1 for a in alts):
                out.append(f"{code(trig)} may only be used together with {codes([a[0] for a in alts])}.")
            else:
                out.append(f"With {code(trig)}, {self.demand_words(sub)}.")
        conds = []
        if "if" in r:
            conds.append(r)
        conds.extend(x for x in r.get("allOf", []) if "if" in x)
        for c in conds:
            text = f"When {self.condition_words(c['if'])}, {self.demand_words(c['then'])}" if "then" in c else ""
            if "else" in c:
                text += ("; otherwise " if text else f"Unless {self.condition_words(c['if'])}, ") + self.demand_words(c["else"])
            if text:
                out.append(text + ".")
        for x in r.get("allOf", []):
            if "if" not in x:
                out.append("Also: " + self.demand_words(x) + ".")
        if "not" in r:
            out.append(f"Not allowed: {self.condition_words(r['not'])}.")
        return out

    def key_constraints(self, r, keys, pattern_only=False):
        """Rules on the keys of a mapping (propertyNames), in words; `keys` names them ("Keys of `x`")."""
        pn = r.get("propertyNames")
        if not isinstance(pn, dict):
            return []
        out = []
        pr, ptr = self.resolve(pn)
        if "pattern" in pr:
            out.append(f"{keys} must match {code(pr['pattern'])}." + (f" {pr['description']}" if ptr else ""))
        if "not" in pn and set(pn["not"]) == {"enum"} and not pattern_only:
            out.append(f"{keys} may not be any of: {', '.join(code(v) for v in pn['not']['enum'])}.")
        return out

    # -- rows -------------------------------------------------------------------------------

    def row(self, field, s, required, parent_examples=None):
        r, _ = self.resolve(s)
        desc = s.get("description", r.get("description"))
        if not desc:
            raise SchemaError(f"no description for {field}")
        examples = s.get("examples", r.get("examples")) or parent_examples or []
        default = s.get("default", r.get("default"))
        ex = ", ".join(code(yaml_flow(e)) for e in examples) if examples else "—"
        dflt = code(yaml_flow(default)) if ("default" in s or "default" in r) else "—"
        return [code(field) if not field.startswith("<") and "<" not in field else self.placeholder_code(field),
                self.type_text(s), required, dflt, desc, ex]

    @staticmethod
    def placeholder_code(field):
        return code(field)

    def object_rows(self, r, ptr, prefix=""):
        rows = []
        req = set(r.get("required", []))
        group = self.kind_group(r) or []
        dep_req = {}
        for trig, needs in r.get("dependentRequired", {}).items():
            for n in needs:
                dep_req.setdefault(n, []).append(trig)
        for name, sub in r.get("properties", {}).items():
            sub_ptr = f"{ptr}/properties/{name}"
            if name in req:
                required = "**yes**"
            elif name in group:
                required = "one kind" if len(group) > 2 else f"either this or {codes([g for g in group if g != name])}"
            elif name in dep_req:
                required = f"with {codes(dep_req[name])}"
            else:
                required = "no"
            row = self.row(prefix + name, sub, required)
            if sub_ptr in self.section_anchor:  # a part described in a section of its own
                _, anchor, text = self.section_anchor[sub_ptr]
                row[1] = ("object" if row[1] == "object" else row[1]) + f", see [{text}](#{anchor})"
            rows.append(row)
            sr, sptr = self.resolve(sub)
            if sptr is None:
                rows.extend(self.entry_rows(sr, prefix + name + "."))
        for pat, sub in r.get("patternProperties", {}).items():
            m = re.fullmatch(r"\^([A-Za-z0-9_-]+)", pat)
            field = prefix + (m.group(1) + "<anything>" if m else f"<key matching {pat}>")
            rows.append(self.row(field, sub, "no"))
        return rows

    def entry_rows(self, r, prefix):
        """Rows for the entries of a mapping whose value schema is described inline."""
        ap = r.get("additionalProperties")
        if not isinstance(ap, dict) or "$ref" in ap or "description" not in ap or r.get("properties"):
            return []
        return [self.row(prefix + self.key_placeholder(r), ap, "no")]

    def table(self, rows):
        out = ["| field | type | required | default | description | example |",
               "| --- | --- | --- | --- | --- | --- |"]
        for row in rows:
            out.append("| " + " | ".join(cell(c) for c in row) + " |")
        return out

    # -- sections ---------------------------------------------------------------------------

    def kinds_table(self, r, kind_word):
        group = self.kind_group(r)
        restricted = {}  # option -> kinds it is limited to
        for opt, sub in r.get("dependentSchemas", {}).items():
            alts = self.required_alternatives(sub)
            if alts and all(len(a) == 1 and a[0] in group for a in alts):
                restricted[opt] = [a[0] for a in alts]
        dep_req = r.get("dependentRequired", {})
        out = [f"Every {kind_word} has exactly one **kind** key; its value says where the records "
               f"{'come from' if kind_word == 'source' else 'go'}. "
               "The options in the last column apply to that kind only; the others apply to every kind.", "",
               "| kind | example | options of this kind only |", "| --- | --- | --- |"]
        for kind in group:
            sub, _ = self.resolve(r["properties"][kind])
            ex = sub.get("examples", [None])[0]
            opts = []
            for opt in r["properties"]:
                if kind in restricted.get(opt, []):
                    opts.append(code(opt) + (" (required)" if opt in dep_req.get(kind, []) else ""))
                elif opt in dep_req.get(kind, []):
                    opts.append(code(opt) + " (required)")
            out.append("| " + " | ".join(cell(c) for c in [
                code(kind), code(f"{kind}: {yaml_flow(ex)}"), ", ".join(opts) or "—"]) + " |")
        common = [o for o in r["properties"] if o not in group and o not in restricted]
        out += ["", f"Every kind also takes {codes(common, 'and')}.", ""]
        return out

    def section(self, title, ptr, where, opts):
        s = self.at(ptr) if ptr else self.root
        r, target = self.resolve(s)
        out = [f"## {title}", ""]
        if ptr == "":
            out.append(f"In the file: {where}.")
        else:
            out.append(f"In the file: {where}. " + r["description"])
        if "field" in opts and target is not None and self.at(target).get("description") not in (None, r["description"]):
            out += ["", self.at(target)["description"]]
        out.append("")
        kinds = opts.get("kinds")
        if kinds:
            out += self.kinds_table(r, kinds)
        if "field" in opts:
            rows = [self.row(opts["field"], s, "no")]
        elif r.get("properties") or r.get("patternProperties"):
            rows = self.object_rows(r, ptr)
        elif "additionalProperties" in r:
            ap = r["additionalProperties"]
            key = self.key_placeholder(r)
            apr, _ = self.resolve(ap)
            rows = [self.row(key, ap, "no")]
            rows += self.entry_rows(apr, key + ".")
        else:
            # A mapping with free values (e.g. set): one row for any entry.
            ex_values = [v for e in r.get("examples", []) if isinstance(e, dict) for v in e.values()]
            key = self.key_placeholder(r)
            rows = [[code(key), "any value (string, number, boolean, null, list or mapping)", "no", "—",
                     "The field's value, written as it should appear in the record: not an expression, not interpolated.",
                     ", ".join(code(yaml_flow(v)) for v in ex_values) or "—"]]
        out += self.table(rows)
        notes = []
        if ptr == "":
            for name, sub in r.get("properties", {}).items():
                sr, sptr = self.resolve(sub)
                pattern_only = sptr in self.section_anchor  # that section lists the rest
                notes += [n for n in self.key_constraints(sr, f"Keys of {code(name)}", pattern_only) if n not in notes]
            notes = self.merge_key_notes(notes)
        else:
            notes += self.key_constraints(r, opts.get("keys", "Keys"))
            for name, sub in r.get("properties", {}).items():
                sr, sptr = self.resolve(sub)
                if sptr is None or sptr not in self.section_anchor:
                    notes += self.key_constraints(sr, f"Keys of {code(name)}")
        notes += self.constraints(r, kinds)
        if r.get("additionalProperties") is False:
            notes.append("Any other key is an error (`unknown_field`).")
        if notes:
            out += [""] + [f"- {n}" for n in notes]
        examples = r.get("examples", [])
        if examples and "field" not in opts:
            out += ["", "Example:" if len(examples) == 1 else "Examples:", ""]
            for i, e in enumerate(examples):
                if i:
                    out.append("")
                if isinstance(e, (dict, list)):
                    out += ["```yaml"] + yaml_block(e) + ["```"]
                else:
                    out.append(code(yaml_flow(e)))
        out.append("")
        return out

    @staticmethod
    def merge_key_notes(notes):
        """'Keys of `a`: X.' + 'Keys of `b`: X.' -> 'Keys of `a` and `b`: X.'"""
        merged, order = {}, []
        for n in notes:
            m = re.match(r"Keys of (`[^`]+`) (must match .*)$", n)
            key = m.group(2) if m else n
            if key not in merged:
                merged[key] = []
                order.append(key)
            if m:
                merged[key].append(m.group(1))
        out = []
        for key in order:
            owners = merged[key]
            out.append(f"Keys of {words(owners, 'and')} {key}" if owners else key)
        return out

    def value_list_sections(self):
        out = []
        for ptr, (title, _anchor) in self.value_lists.items():
            r = self.at(ptr)
            out += [f"## {title}", "", r["description"], ""]
            out.append(", ".join(code(v) for v in r["enum"]))
            out.append("")
        return out

    def whole_example(self):
        """A pipeline assembled from the first example of each top-level field."""
        doc = {}
        for name, sub in self.root["properties"].items():
            r, _ = self.resolve(sub)
            ex = sub.get("examples", r.get("examples"))
            if ex:
                doc[name] = ex[0]
        return ["```yaml", "# yaml-language-server: $schema=../schemas/pipeline.schema.json"] + yaml_block(doc) + ["```"]

    def render(self):
        used = set()
        # Anchors first, in document order, so links work in any direction.
        slugify("Pipeline reference", used)
        slugify("How to read this reference", used)
        slugify("At a glance", used)
        for title, ptr, _, text, _ in SECTIONS:
            self.section_anchor[ptr] = (title, slugify(title, used), text)
        # Long enums referenced by $ref get a list of their own.
        for name, d in self.root.get("$defs", {}).items():
            if "enum" in d and len(d["enum"]) > LONG_ENUM:
                title = d.get("title") or self.enum_title(name, d)
                self.value_lists[f"/$defs/{name}"] = (title, slugify(title, used))

        s = self.root
        out = [
            "# Pipeline reference",
            "",
            "<!-- Generated by scripts/generate-pipeline-reference.py from schemas/pipeline.schema.json. "
            "Do not edit: change the schema and rerun the script. -->",
            "",
            s["description"],
            "",
            "## How to read this reference",
            "",
            f"Every key a pipeline file may hold, part by part, generated from the JSON Schema "
            f"[`schemas/pipeline.schema.json`]({SCHEMA_REL}) that `xeroflow validate` checks files against "
            "(editors with yaml-language-server show the same descriptions on hover). What each "
            "diagnostic means is in [docs/diagnostics.md](diagnostics.md).",
            "",
            "- **field**: the key. `<name>` stands for a name you choose (a source, step, target or table), "
            "`<field>` for a record field name, `<key>` for any key.",
            "- **type**: `one of:` lists every accepted value; `matching` gives the regular expression "
            "the value must match; `a | b` means either form; a `mapping` has keys you choose.",
            "  - **string (JSONata expression)**: " + self.expression_description(),
            "  - **`${VAR}` expanded**: only these fields read the environment: `${VAR}` and "
            "`${VAR:-default}` are replaced when the file loads (`$${` is a literal `${`). Anywhere "
            "else `${…}` stays as written, and `validate` warns (`interpolation_not_allowed`).",
            "- **required**: **yes** or no; `one kind` marks the kind keys of sources and targets, "
            "of which exactly one is required; `with x` means required when `x` is present; "
            "`either this or x` means exactly one of the two.",
            "- **default**: the value used when the field is left out (— when there is none).",
            "- **example**: values as you would write them after `field:` in YAML (mappings in flow "
            "style `{ a: 1 }`, lists as `[a, b]`).",
            "- Rules that tie fields together are listed under each table.",
            "- YAML is read the JSON way: `NO`, `yes`, `off`, `2026-01-01` and `0200` stay strings; "
            "quote them anyway if other tools read your files.",
            "",
            "Contents: " + " · ".join(
                f"[{t}](#{self.section_anchor[p][1]})" for t, p, _, _, _ in SECTIONS)
            + " · " + " · ".join(f"[{t}](#{a})" for t, a in self.value_lists.values()),
            "",
            "## At a glance",
            "",
            "A small pipeline assembled from the first example of each top-level field:",
            "",
        ]
        out += self.whole_example()
        out.append("")
        for title, ptr, where, _, opts in SECTIONS:
            out += self.section(title, ptr, where, opts)
        out += self.value_list_sections()
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n"

    def expression_description(self):
        """The description of the schema that x-expression fields refer to, if there is one."""
        for d in self.root.get("$defs", {}).values():
            if d.get("x-expression") and "description" in d:
                return d["description"]
        return "evaluated per record, not read literally."

    @staticmethod
    def enum_title(name, d):
        if name == "readEndpoint":
            return "Readable Xero endpoints"
        if name == "writeEndpoint":
            return "Writable Xero endpoints"
        return re.sub(r"(?<!^)([A-Z])", r" \1", name).capitalize() + " values"


def generate():
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    return Reference(schema).render()


def main():
    args = sys.argv[1:]
    if args not in ([], ["--check"]):
        print(__doc__.strip(), file=sys.stderr)
        return 64
    try:
        text = generate()
    except SchemaError as e:
        print(f"generate-pipeline-reference: {e}", file=sys.stderr)
        return 2
    if not args:
        with open(OUTPUT, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        return 0
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".md", delete=False, newline="\n") as tmp:
        tmp.write(text)
        tmp_path = tmp.name
    try:
        with open(tmp_path, encoding="utf-8") as f:
            fresh = f.read()
        try:
            with open(OUTPUT, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = ""
        if fresh == current:
            return 0
        rel = os.path.relpath(OUTPUT, ROOT)
        sys.stdout.writelines(difflib.unified_diff(
            current.splitlines(keepends=True), fresh.splitlines(keepends=True),
            fromfile=f"a/{rel}", tofile=f"b/{rel} (regenerated)"))
        print(f"{rel} is stale: run scripts/generate-pipeline-reference.py", file=sys.stderr)
        return 1
    finally:
        os.unlink(tmp_path)


if __name__ == "__main__":
    sys.exit(main())
