#!/usr/bin/env python3
"""Derives the Java type of every JSON field Keycloak's Admin API reads into its
representations, from the classes of a Keycloak distribution (`javap`, no source).

    python3 scripts/keycloak-types.py /path/to/keycloak-26.7.3 > crates/latchkey-server/src/admin/java_types.rs

Jackson names a property after its setter (`setFooBar` -> `fooBar`), a public field, or a
field or method annotated `@JsonProperty("name")`; `@JsonIgnore` removes it. The type is
the setter's parameter (else the field's). Classes reached from the roots below get a
table each; a type this script cannot model (a custom deserializer, an interface, a class
outside the representations) becomes `Any`, checked for nothing, as before.
"""
import re
import subprocess
import sys
from collections import OrderedDict

ROOTS = [
    "org.keycloak.representations.idm.RealmRepresentation",
    "org.keycloak.representations.idm.ClientRepresentation",
    "org.keycloak.representations.idm.UserRepresentation",
    "org.keycloak.representations.idm.RoleRepresentation",
    "org.keycloak.representations.idm.CredentialRepresentation",
    "org.keycloak.representations.idm.GroupRepresentation",
    "org.keycloak.representations.idm.ClientScopeRepresentation",
    "org.keycloak.representations.idm.ProtocolMapperRepresentation",
    "org.keycloak.representations.idm.RealmEventsConfigRepresentation",
]

dist = sys.argv[1]
jars = subprocess.run(["bash", "-c", f"ls {dist}/lib/lib/main/*.jar | tr '\\n' ':'"],
                      capture_output=True, text=True, check=True).stdout

_cache = {}


def javap(cls):
    if cls not in _cache:
        out = subprocess.run(["javap", "-p", "-v", "-cp", jars, cls], capture_output=True, text=True)
        _cache[cls] = out.stdout if out.returncode == 0 else None
    return _cache[cls]


MEMBER = re.compile(r"^  ((?:public|protected|private|static|final|transient|volatile|abstract|synchronized|native| )*)(.+?) (\w+)(\(.*\))?;$")


def members(cls):
    """(modifiers, type, name, params, annotations) for each field and method."""
    text = javap(cls)
    if text is None:
        return None, None, None
    head = text.split("\n{", 1)[0]
    extends = re.search(r"(?:class|interface) \S+(?: extends ([\w.$<>, ?]+?))?(?: implements .*)?\n", head)
    parent = extends.group(1).split("<")[0] if extends and extends.group(1) else None
    kind = "enum" if " enum " in head or "extends java.lang.Enum" in head else (
        "interface" if re.search(r"\binterface\b", head.splitlines()[-1] if head else "") else "class")
    class_annotations = text.rsplit("\n}", 1)[-1]
    out = []
    body = text.split("\n{", 1)[1] if "\n{" in text else ""
    blocks = re.split(r"\n(?=  \S)", body)
    for block in blocks:
        first = block.strip("\n").split("\n")[0]
        m = MEMBER.match(first)
        if not m:
            continue
        mods, typ, name, params = m.group(1), m.group(2), m.group(3), m.group(4)
        anns = re.findall(r"^        ([\w.$]+)(?:\(\n((?:          .*\n)*?)        \))?", block + "\n", re.M)
        out.append((mods, typ, name, params, anns))
    return out, parent, (kind, class_annotations, head)


def split_generics(s):
    depth, cur, parts = 0, "", []
    for ch in s:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip()); cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


tables = OrderedDict()
pending = []
enums = OrderedDict()


def java_type(t):
    """A Rust `Java` expression for the Java type `t`."""
    t = t.strip()
    if t.startswith("? extends "):
        t = t[len("? extends "):]
    if t.endswith("[]"):
        return f"Java::List(&{java_type(t[:-2])})"
    base, _, rest = t.partition("<")
    args = split_generics(rest[:-1]) if rest else []
    scalar = {
        "java.lang.String": "Java::Str", "java.lang.Boolean": "Java::Bool", "boolean": "Java::Bool",
        "java.lang.Integer": "Java::Int", "int": "Java::Int", "java.lang.Long": "Java::Long",
        "long": "Java::Long", "java.lang.Short": "Java::Int", "java.lang.Object": "Java::Any",
        "com.fasterxml.jackson.databind.JsonNode": "Java::Any",
    }
    if base in scalar:
        return scalar[base]
    if base in ("java.util.List", "java.util.Set", "java.util.Collection", "java.util.LinkedList",
                "java.util.ArrayList", "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeSet") and len(args) == 1:
        return f"Java::List(&{java_type(args[0])})"
    if base in ("java.util.Map", "java.util.HashMap", "java.util.LinkedHashMap", "java.util.TreeMap") and len(args) == 2:
        return f"Java::Map(&{java_type(args[1])})"
    if base in ("org.keycloak.common.util.MultivaluedHashMap", "org.keycloak.common.util.MultivaluedMap") and len(args) == 2:
        return f"Java::Map(&Java::List(&{java_type(args[1])}))"
    if base.startswith("org.keycloak.representations."):
        info = members(base)
        if info[0] is None:
            return "Java::Any"
        kind = info[2][0]
        if kind == "enum":
            names = [n for (mods, typ, n, params, anns) in info[0]
                     if params is None and "static" in mods and typ == base]
            enums[base] = names
            return f"Java::Enum(&{rust_name(base).upper()}_VALUES)"
        if kind == "interface" or "abstract" in info[2][2].splitlines()[-1]:
            return "Java::Any"
        if "JsonTypeInfo" in info[2][1] or "JsonDeserialize" in info[2][1]:
            return "Java::Any"
        if base not in tables and base not in pending:
            pending.append(base)
        return f"Java::Object(&{rust_name(base)})"
    return "Java::Any"


def rust_name(cls):
    simple = cls.rsplit(".", 1)[1].replace("$", "_")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", simple).upper().replace("__", "_")


def decap(name):
    # Jackson's default: lower-case the whole leading upper-case run ("OAuth2X" -> "oauth2X").
    i = 0
    while i < len(name) and name[i].isupper():
        i += 1
    return name[:i].lower() + name[i:]


def properties(cls):
    chain = []
    c = cls
    while c and c.startswith("org.keycloak."):
        info = members(c)
        if info[0] is None:
            break
        chain.append(info)
        c = info[1]
    setters, fields, getters = {}, {}, {}
    ignored, custom = set(), set()
    ignore_unknown = any("ignoreUnknown=true" in info[2][1] for info in chain)
    for mems, _, _ in reversed(chain):
        for mods, typ, name, params, anns in mems:
            ann_names = [a[0] for a in anns]
            renamed = None
            for a, body in anns:
                if a.endswith("JsonProperty"):
                    v = re.search(r'value="([^"]*)"', body or "")
                    renamed = v.group(1) if v and v.group(1) else None
            ignore = any(a.endswith("JsonIgnore") for a in ann_names)
            if any(a.endswith("JsonDeserialize") for a in ann_names):
                custom.add(renamed or (decap(name[3:]) if params is not None and name.startswith(("set", "get")) else name))
            if "static" in mods.split():
                continue
            if params is None:  # a field
                prop = renamed or name
                if ignore:
                    ignored.add(prop)
                elif renamed or "public" in mods.split():
                    setters.setdefault(prop, typ)
                fields[name] = typ
                continue
            if "public" not in mods.split() and not renamed:
                continue
            if name.startswith("set") and len(name) > 3 and params != "()" \
                    and len(split_generics(params[1:-1])) == 1:
                prop = renamed or decap(name[3:])
                if ignore:
                    ignored.add(prop)
                else:
                    setters[prop] = params[1:-1]
            elif params == "()" and (renamed or (name.startswith("get") and len(name) > 3)
                                     or (name.startswith("is") and len(name) > 2)):
                prop = renamed or decap(name[3:] if name.startswith("get") else name[2:])
                if ignore:
                    ignored.add(prop)
                else:
                    getters[prop] = typ
    # A property is writable through its setter; with only a getter, Jackson writes the
    # field of that name (measured: `clientTemplate`, `salt`); a getter alone is `Any`.
    props = OrderedDict()
    for prop in set(setters) | set(getters):
        if prop in ignored or prop == "class":
            continue
        # A custom deserializer (`@JsonDeserialize(using = ...)`) takes what it likes.
        custom_type = "java.lang.Object" if prop in custom else None
        props[prop] = custom_type or setters.get(prop) or fields.get(prop) or "java.lang.Object"
    return OrderedDict(sorted(props.items())), ignore_unknown


for root in ROOTS:
    pending.append(root)
while pending:
    cls = pending.pop(0)
    if cls in tables:
        continue
    props, ignore_unknown = properties(cls)
    tables[cls] = (OrderedDict((k, java_type(v)) for k, v in props.items()), ignore_unknown)

print("//! Generated by `scripts/keycloak-types.py` from Keycloak 26.7.3's classes: the JSON fields")
print("//! of each representation the Admin API reads, with the Java type Jackson reads each into.")
print("//! Do not edit by hand; run the script again for another Keycloak version.")
print()
print("use super::java::{Java, Representation};")
print()
for cls, names in enums.items():
    print(f"pub(crate) const {rust_name(cls).upper()}_VALUES: [&str; {len(names)}] = [{', '.join(repr(n).replace(chr(39), chr(34)) for n in names)}];")
for cls, (props, ignore_unknown) in tables.items():
    # Jackson's errors name the class by its simple name (`Composites`, not
    # `RoleRepresentation$Composites`).
    simple = cls.rsplit(".", 1)[1].rsplit("$", 1)[-1]
    print()
    print(f"pub(crate) static {rust_name(cls)}: Representation = Representation {{")
    print(f'    name: "{simple}",')
    print(f"    closed: {'false' if ignore_unknown else 'true'},")
    print("    fields: &[")
    for k, v in props.items():
        print(f'        ("{k}", {v}),')
    print("    ],")
    print("};")
