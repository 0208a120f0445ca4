/// What the keywords applied to one instance location evaluated: the input of
/// `unevaluatedProperties` and `unevaluatedItems`.
struct Annotations {
    var allProperties = false
    var properties: Set<String> = []
    var allItems = false
    var itemPrefix = 0
    var items: Set<Int> = []

    mutating func merge(_ other: Annotations) {
        if other.allProperties { allProperties = true } else if !other.properties.isEmpty { properties.formUnion(other.properties) }
        if other.allItems { allItems = true }
        if other.itemPrefix > itemPrefix { itemPrefix = other.itemPrefix }
        if !other.items.isEmpty { items.formUnion(other.items) }
    }

    func isEvaluated(property name: String) -> Bool {
        allProperties || properties.contains(name)
    }

    func isEvaluated(item index: Int) -> Bool {
        allItems || index < itemPrefix || items.contains(index)
    }
}
