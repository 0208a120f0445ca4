import JSONModel

/// Builds a ``PipelineSpec`` from a pipeline document (after interpolation).
public enum PipelineDecoder {
    public static func decode(_ root: JSONValue) -> PipelineSpec {
        let o = root.objectValue ?? JSONObject()
        let p = JSONPointer.root
        return PipelineSpec(
            version: o["version"]?.numberValue?.intValue,
            name: o["name"]?.stringValue,
            description: o["description"]?.stringValue,
            schedule: o["schedule"]?.objectValue.map { schedule($0, p.appending("schedule")) },
            xero: xero(o["xero"]?.objectValue ?? JSONObject(), p.appending("xero")),
            sources: members(o["sources"], p.appending("sources")).map { source($0.0, $0.1, $0.2) },
            lookups: members(o["lookups"], p.appending("lookups")).map {
                LookupSpec(name: $0.0, table: $0.1, pointer: $0.2)
            },
            steps: members(o["steps"], p.appending("steps")).map { step($0.0, $0.1, $0.2) },
            targets: members(o["targets"], p.appending("targets")).map { target($0.0, $0.1, $0.2) },
            tests: (o["tests"]?.arrayValue ?? []).enumerated().compactMap { i, v in
                v.objectValue.map { test($0, p.appending("tests").appending(i)) }
            }
        )
    }

    /// The object members of a named-map section (`sources`, `steps`, …), skipping non-objects.
    static func members(_ v: JSONValue?, _ p: JSONPointer) -> [(String, JSONObject, JSONPointer)] {
        guard let o = v?.objectValue else { return [] }
        return o.compactMap { k, v in v.objectValue.map { (k, $0, p.appending(k)) } }
    }

    static func ref(_ o: JSONObject, _ key: String, _ p: JSONPointer) -> NameRef? {
        o[key]?.stringValue.map { NameRef(name: $0, pointer: p.appending(key)) }
    }

    static func refs(_ o: JSONObject, _ key: String, _ p: JSONPointer) -> [NameRef] {
        guard let a = o[key]?.arrayValue else { return [] }
        return a.enumerated().compactMap { i, v in
            v.stringValue.map { NameRef(name: $0, pointer: p.appending(key).appending(i)) }
        }
    }

    static func expr(_ o: JSONObject, _ key: String, _ p: JSONPointer) -> ExpressionRef? {
        o[key]?.stringValue.map { ExpressionRef(text: $0, pointer: p.appending(key)) }
    }

    static func strings(_ v: JSONValue?) -> [String] {
        switch v {
        case .string(let s)?: return [s]
        case .array(let a)?: return a.compactMap(\.stringValue)
        default: return []
        }
    }

    static func stringMap(_ v: JSONValue?) -> [String: String] {
        guard let o = v?.objectValue else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in o {
            switch v {
            case .string(let s): out[k] = s
            case .number(let n): out[k] = n.jsonText
            case .bool(let b): out[k] = b ? "true" : "false"
            default: break
            }
        }
        return out
    }

    static func schedule(_ o: JSONObject, _ p: JSONPointer) -> ScheduleSpec {
        ScheduleSpec(
            cron: o["cron"]?.stringValue, timezone: o["timezone"]?.stringValue,
            enabled: o["enabled"]?.boolValue ?? true, catchUp: o["catch_up"]?.stringValue.flatMap(ScheduleSpec.CatchUp.init) ?? .latest, pointer: p)
    }

    static func xero(_ o: JSONObject, _ p: JSONPointer) -> XeroSettingsSpec {
        XeroSettingsSpec(
            connection: o["connection"]?.stringValue ?? "sandbox",
            tenant: o["tenant"]?.stringValue,
            lockDates: o["lock_dates"]?.stringValue.flatMap(XeroSettingsSpec.LockDatePolicy.init) ?? .quarantine,
            startDate: o["start_date"]?.stringValue,
            batchSize: o["batch_size"]?.numberValue?.intValue ?? 50,
            pointer: p)
    }

    static func source(_ name: String, _ o: JSONObject, _ p: JSONPointer) -> SourceSpec {
        let kind = SourceSpec.Kind.allCases.first { o.contains($0.rawValue) }
        return SourceSpec(
            name: name, kind: kind, location: kind.flatMap { o[$0.rawValue]?.stringValue },
            query: o["query"]?.stringValue, key: strings(o["key"]), cursor: o["cursor"]?.stringValue,
            records: o["records"]?.stringValue, delimiter: o["delimiter"]?.stringValue,
            headers: stringMap(o["headers"]), params: stringMap(o["params"]),
            whereFilter: o["where"]?.stringValue, since: o["since"]?.stringValue, pointer: p)
    }

    static func step(_ name: String, _ o: JSONObject, _ p: JSONPointer) -> StepSpec {
        var s = StepSpec(
            name: name, from: ref(o, "from", p), after: refs(o, "after", p),
            description: o["description"]?.stringValue, filter: expr(o, "filter", p),
            explode: nil, join: nil, group: nil, map: [], set: [], dedupe: nil, pointer: p)
        if let e = o["explode"]?.objectValue {
            let ep = p.appending("explode")
            s.explode = .init(each: expr(e, "each", ep), asField: e["as"]?.stringValue)
        }
        if let j = o["join"]?.objectValue {
            let jp = p.appending("join")
            s.join = .init(
                with: ref(j, "with", jp), on: expr(j, "on", jp), equals: expr(j, "equals", jp),
                asField: j["as"]?.stringValue,
                type: j["type"]?.stringValue.flatMap(StepSpec.Join.JoinType.init) ?? .left,
                many: j["many"]?.boolValue ?? false)
        }
        if let g = o["group"]?.objectValue {
            let gp = p.appending("group")
            var by: [ExpressionRef] = []
            switch g["by"] {
            case .string(let t)?: by = [ExpressionRef(text: t, pointer: gp.appending("by"))]
            case .array(let a)?:
                by = a.enumerated().compactMap { i, v in
                    v.stringValue.map { ExpressionRef(text: $0, pointer: gp.appending("by").appending(i)) }
                }
            default: break
            }
            s.group = .init(by: by, into: g["into"]?.stringValue ?? "items", sorted: g["sorted"]?.boolValue ?? false)
        }
        if let m = o["map"]?.objectValue {
            let mp = p.appending("map")
            s.map = m.compactMap { k, v in
                v.stringValue.map { (k, ExpressionRef(text: $0, pointer: mp.appending(k))) }
            }
        }
        if let c = o["set"]?.objectValue {
            let cp = p.appending("set")
            s.set = c.map { ($0.key, $0.value, cp.appending($0.key)) }
        }
        if let d = o["dedupe"]?.objectValue {
            s.dedupe = .init(
                by: expr(d, "by", p.appending("dedupe")),
                keep: d["keep"]?.stringValue.flatMap(StepSpec.Dedupe.Keep.init) ?? .first)
        }
        return s
    }

    static func target(_ name: String, _ o: JSONObject, _ p: JSONPointer) -> TargetSpec {
        let kind = TargetSpec.Kind.allCases.first { o.contains($0.rawValue) }
        return TargetSpec(
            name: name, kind: kind, location: kind.flatMap { o[$0.rawValue]?.stringValue },
            from: ref(o, "from", p), after: refs(o, "after", p), description: o["description"]?.stringValue,
            match: strings(o["match"]), key: expr(o, "key", p),
            mode: o["mode"]?.stringValue.flatMap(TargetSpec.Mode.init) ?? .upsert,
            batchSize: o["batch_size"]?.numberValue?.intValue,
            onError: o["on_error"]?.stringValue.flatMap(TargetSpec.OnError.init) ?? .quarantine,
            onDeleted: o["on_deleted"]?.stringValue.flatMap(TargetSpec.OnDeleted.init) ?? .skip,
            table: o["table"]?.stringValue, pointer: p)
    }

    static func test(_ o: JSONObject, _ p: JSONPointer) -> TestSpec {
        TestSpec(
            name: o["name"]?.stringValue, step: ref(o, "step", p), input: o["input"]?.arrayValue ?? [],
            fixtures: (o["fixtures"]?.objectValue).map { f in
                Dictionary(uniqueKeysWithValues: f.compactMap { k, v in v.arrayValue.map { (k, $0) } })
            } ?? [:],
            lookups: o["lookups"]?.objectValue, expect: o["expect"]?.arrayValue,
            expectCount: o["expect_count"]?.numberValue?.intValue, pointer: p)
    }
}
