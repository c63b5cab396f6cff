# a workspace whose network access follows a variable
locals { rg = "rg-ml" }

resource "azurerm_machine_learning_workspace" "ws" {
  name                          = var.ws_name
  location                      = "westeurope"
  resource_group_name           = local.rg
  application_insights_id       = "/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.Insights/components/ai"
  key_vault_id                  = "/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv"
  storage_account_id            = "/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/st"
  public_network_access_enabled = var.public
  identity {
    type = "SystemAssigned"
  }
}
