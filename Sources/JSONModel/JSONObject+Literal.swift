extension JSONObject: ExpressibleByDictionaryLiteral {
    /// `["Name": "Sales", "Code": "200"]`; a later duplicate key replaces the earlier value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        for (k, v) in elements { self[k] = v }
    }
}
