// XeroModel
