locals {
  a = "${local.b}-x"
  b = local.c
  c = local.a
}

resource "azurerm_machine_learning_workspace" "ws" {
  name                = local.a
  location            = "westeurope"
  resource_group_name = "rg"
}
