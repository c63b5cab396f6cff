# A module that calls itself: Terraform rejects this; we must stop, not recurse.
module "again" {
  source = "./"
}

resource "azurerm_storage_account" "st" {
  name                     = "st"
  resource_group_name      = "rg"
  location                 = "westeurope"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
