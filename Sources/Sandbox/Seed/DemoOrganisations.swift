import Foundation
import JSONModel

/// The organisations a new sandbox starts with, modelled on Xero's UK and AU demo companies:
/// a chart of accounts, tax rates, currencies, a branding theme and a tracking category.
///
/// Account codes, names, types and tax types follow the demo companies' charts as Xero ships
/// them (the codes the example pipelines use among them); the rates are the UK's 20 %/5 %/0 % VAT
/// and Australia's 10 % GST.
struct DemoOrganisation {
    var name: String
    var country: String
    var currency: String
    var timezone: String
    var accounts: [(code: String, name: String, type: String, taxType: String)]
    /// TaxType, name, rate (percent), revenue?, expenses?
    var taxRates: [(type: String, name: String, rate: String, revenue: Bool, expenses: Bool)]
    var currencies: [(code: String, name: String)]
    var tracking: (name: String, options: [String])
    var bankAccountNumber: String

    static let uk = DemoOrganisation(
        name: "Demo Company (UK)", country: "GB", currency: "GBP", timezone: "GMTSTANDARDTIME",
        accounts: [
            ("090", "Business Bank Account", "BANK", "NONE"),
            ("091", "Business Savings Account", "BANK", "NONE"),
            ("200", "Sales", "REVENUE", "OUTPUT2"),
            ("260", "Other Revenue", "REVENUE", "OUTPUT2"),
            ("270", "Interest Income", "REVENUE", "NONE"),
            ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2"),
            ("400", "Advertising", "OVERHEADS", "INPUT2"),
            ("404", "Bank Fees", "OVERHEADS", "NONE"),
            ("408", "Cleaning", "OVERHEADS", "INPUT2"),
            ("412", "Consulting & Accounting", "OVERHEADS", "INPUT2"),
            ("420", "Entertainment", "OVERHEADS", "NONE"),
            ("425", "Freight & Courier", "OVERHEADS", "INPUT2"),
            ("429", "General Expenses", "OVERHEADS", "INPUT2"),
            ("445", "Light, Power, Heating", "OVERHEADS", "INPUT2"),
            ("453", "Office Expenses", "OVERHEADS", "INPUT2"),
            ("461", "Printing & Stationery", "OVERHEADS", "INPUT2"),
            ("463", "IT Software and Consumables", "OVERHEADS", "INPUT2"),
            ("477", "Salaries", "OVERHEADS", "NONE"),
            ("485", "Subscriptions", "OVERHEADS", "INPUT2"),
            ("489", "Telephone & Internet", "OVERHEADS", "INPUT2"),
            ("493", "Travel - National", "OVERHEADS", "INPUT2"),
            ("610", "Accounts Receivable", "CURRENT", "NONE"),
            ("720", "Computer Equipment", "FIXED", "INPUT2"),
            ("800", "Accounts Payable", "CURRLIAB", "NONE"),
            ("820", "VAT", "CURRLIAB", "NONE"),
            ("970", "Owner A Funds Introduced", "EQUITY", "NONE"),
        ],
        taxRates: [
            ("OUTPUT2", "20% (VAT on Income)", "20", true, false),
            ("INPUT2", "20% (VAT on Expenses)", "20", false, true),
            ("RROUTPUT", "5% (VAT on Income)", "5", true, false),
            ("RRINPUT", "5% (VAT on Expenses)", "5", false, true),
            ("ZERORATEDOUTPUT", "Zero Rated Income", "0", true, false),
            ("ZERORATEDINPUT", "Zero Rated Expenses", "0", false, true),
            ("EXEMPTOUTPUT", "Exempt Income", "0", true, false),
            ("EXEMPTINPUT", "Exempt Expenses", "0", false, true),
            ("NONE", "No VAT", "0", true, true),
        ],
        currencies: [("GBP", "British Pound"), ("EUR", "Euro"), ("USD", "United States Dollar")],
        tracking: ("Region", ["North", "South", "East", "West"]),
        bankAccountNumber: "20202012345678")

    static let au = DemoOrganisation(
        name: "Demo Company (AU)", country: "AU", currency: "AUD", timezone: "AUSEASTERNSTANDARDTIME",
        accounts: [
            ("090", "Business Bank Account", "BANK", "BASEXCLUDED"),
            ("091", "Business Savings Account", "BANK", "BASEXCLUDED"),
            ("200", "Sales", "REVENUE", "OUTPUT"),
            ("260", "Other Revenue", "REVENUE", "OUTPUT"),
            ("270", "Interest Income", "REVENUE", "INPUTTAXED"),
            ("300", "Purchases", "DIRECTCOSTS", "INPUT"),
            ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT"),
            ("400", "Advertising", "EXPENSE", "INPUT"),
            ("404", "Bank Fees", "EXPENSE", "INPUTTAXED"),
            ("408", "Cleaning", "EXPENSE", "INPUT"),
            ("412", "Consulting & Accounting", "EXPENSE", "INPUT"),
            ("425", "Freight & Courier", "EXPENSE", "INPUT"),
            ("429", "General Expenses", "EXPENSE", "INPUT"),
            ("453", "Office Expenses", "EXPENSE", "INPUT"),
            ("463", "IT Software and Consumables", "EXPENSE", "INPUT"),
            ("477", "Wages and Salaries", "EXPENSE", "BASEXCLUDED"),
            ("485", "Subscriptions", "EXPENSE", "INPUT"),
            ("489", "Telephone & Internet", "EXPENSE", "INPUT"),
            ("493", "Travel - National", "EXPENSE", "INPUT"),
            ("610", "Accounts Receivable", "CURRENT", "BASEXCLUDED"),
            ("720", "Computer Equipment", "FIXED", "INPUT"),
            ("800", "Accounts Payable", "CURRLIAB", "BASEXCLUDED"),
            ("820", "GST", "CURRLIAB", "BASEXCLUDED"),
            ("970", "Owner A Funds Introduced", "EQUITY", "BASEXCLUDED"),
        ],
        taxRates: [
            ("OUTPUT", "GST on Income", "10", true, false),
            ("INPUT", "GST on Expenses", "10", false, true),
            ("EXEMPTOUTPUT", "GST Free Income", "0", true, false),
            ("EXEMPTEXPENSES", "GST Free Expenses", "0", false, true),
            ("EXEMPTCAPITAL", "GST Free Capital", "0", false, true),
            ("CAPEXINPUT", "GST on Capital", "10", false, true),
            ("INPUTTAXED", "Input Taxed", "0", true, true),
            ("GSTONIMPORTS", "GST on Imports", "0", false, true),
            ("BASEXCLUDED", "BAS Excluded", "0", true, true),
        ],
        currencies: [("AUD", "Australian Dollar"), ("NZD", "New Zealand Dollar"), ("USD", "United States Dollar")],
        tracking: ("Location", ["Pyrmont", "Glebe", "Newtown", "Online"]),
        bankAccountNumber: "062000123456789")

    /// A plain organisation for `POST /_sandbox/tenants`: the UK or AU chart, renamed.
    static func named(_ name: String, country: String) -> DemoOrganisation {
        var org = country.uppercased() == "AU" ? au : uk
        org.name = name
        return org
    }

    static func accountClass(_ type: String) -> String {
        switch type {
        case "BANK", "CURRENT", "FIXED", "INVENTORY", "NONCURRENT", "PREPAYMENT": return "ASSET"
        case "CURRLIAB", "LIABILITY", "TERMLIAB", "PAYGLIABILITY", "SUPERANNUATIONLIABILITY", "WAGESPAYABLELIABILITY": return "LIABILITY"
        case "EQUITY": return "EQUITY"
        case "REVENUE", "SALES", "OTHERINCOME": return "REVENUE"
        default: return "EXPENSE"
        }
    }
}
