import Foundation
import JSONModel

/// Tracking categories and their options: `PUT /TrackingCategories {"Name"}` creates one (at
/// most two active per organisation, as in Xero), `POST /TrackingCategories/{id}` renames or
/// archives it, `PUT /TrackingCategories/{id}/Options {"Name"}` adds options. Names are unique,
/// case-insensitively, among active categories and within a category's options.
extension SandboxEngine {
    static let maxActiveTrackingCategories = 2

    func upsertTrackingCategory(_ tenant: String, _ input: JSONObject, _ existing: JSONObject?) -> Outcome {
        var category = Self.merged(existing, input)
        category["Options"] = existing?["Options"] ?? .array([])  // options have their own endpoint
        let name = category["Name"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        var errors: [String] = []
        if name.isEmpty { errors.append("Tracking category Name must be specified.") }
        if name.count > 100 { errors.append("Tracking category Name must not exceed 100 characters.") }
        let status = category["Status"]?.stringValue ?? "ACTIVE"
        if !["ACTIVE", "ARCHIVED"].contains(status) { errors.append("'\(status)' is not a valid tracking category status.") }
        let others = table(tenant, "TrackingCategories").all.filter {
            $0["TrackingCategoryID"] != existing?["TrackingCategoryID"] && $0["Status"]?.stringValue == "ACTIVE"
        }
        if others.contains(where: { $0["Name"]?.stringValue?.lowercased() == name.lowercased() }) {
            errors.append("The tracking category name \(name) is already in use.")
        }
        if status == "ACTIVE" && (existing == nil || existing?["Status"]?.stringValue != "ACTIVE") && others.count >= Self.maxActiveTrackingCategories {
            errors.append("You can only have \(Self.maxActiveTrackingCategories) active tracking categories.")
        }
        guard errors.isEmpty else { return Outcome(record: input, errors: errors) }
        let id = existing?["TrackingCategoryID"]?.stringValue ?? newID()
        category["TrackingCategoryID"] = .string(id)
        category["Name"] = .string(name)
        category["Status"] = .string(status)
        save(tenant, "TrackingCategories", id, category)
        return Outcome(record: category)
    }

    /// `PUT /TrackingCategories/{id}/Options`: `{"Name": …}`, `{"Options": [{"Name": …}, …]}` or a list.
    func putTrackingOptions(_ tenant: String, _ categoryKey: String, _ request: SandboxRequest) -> SandboxReply {
        guard let collection = Collection.named("TrackingCategories"), var category = find(tenant, collection, categoryKey),
              let categoryID = category["TrackingCategoryID"]?.stringValue else { return .notFound }
        guard let parsed = try? JSONParser.parse(bytes: request.body) else {
            return .apiError("PostDataInvalidException", "The request body is not valid JSON", number: 17)
        }
        let elements: [JSONValue] = parsed["Options"]?.arrayValue ?? parsed.arrayValue ?? [parsed]
        var options = category["Options"]?.arrayValue ?? []
        var created: [JSONValue] = []
        var errors: [String] = []
        for element in elements {
            let name = element["Name"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
            if name.isEmpty {
                errors.append("Tracking option Name must be specified.")
                continue
            }
            if name.count > 100 {
                errors.append("Tracking option Name must not exceed 100 characters.")
                continue
            }
            if options.contains(where: { $0["Name"]?.stringValue?.lowercased() == name.lowercased() }) {
                errors.append("The tracking option name \(name) is already in use.")
                continue
            }
            let option: JSONValue = ["TrackingOptionID": .string(newID()), "Name": .string(name), "Status": "ACTIVE",
                                     "TrackingCategoryID": .string(categoryID)]
            options.append(option)
            created.append(option)
        }
        guard errors.isEmpty else {
            return .json(400, ["ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
                               "Elements": [["ValidationErrors": .array(errors.map { ["Message": .string($0)] })]]])
        }
        category["Options"] = .array(options)
        save(tenant, "TrackingCategories", categoryID, category)
        return .json(200, ["Id": .string(newID()), "Status": "OK", "ProviderName": "xeroflow sandbox",
                           "DateTimeUTC": .string(nowWire), "Options": .array(created)])
    }
}
