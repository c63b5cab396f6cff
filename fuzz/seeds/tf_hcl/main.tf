variable "env" {
  type    = string
  default = "dev"
}

locals {
  names = { for i, n in ["a", "b"] : n => "${var.env}-${n}-${i}" }
  tags  = merge({ owner = "ml" }, { env = upper(var.env) })
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = "ws-${local.names["a"]}"
  location                      = "westeurope"
  resource_group_name           = "rg"
  public_network_access_enabled = var.env == "prod" ? false : true
  key_vault_id                  = azurerm_key_vault.kv.id
  tags                          = local.tags
  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_key_vault" "kv" {
  count               = 2
  name                = format("kv-%02d", count.index)
  location            = "westeurope"
  resource_group_name = "rg"
  tenant_id           = "00000000-0000-0000-0000-000000000000"
  sku_name            = "standard"
  dynamic "network_acls" {
    for_each = toset(["x"])
    content {
      default_action = "Deny"
      bypass         = "AzureServices"
    }
  }
}
