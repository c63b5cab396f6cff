resource "azurerm_machine_learning_compute_instance" "ci" {
  count                         = 1000000
  name                          = "ci-${count.index}"
  machine_learning_workspace_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
  virtual_machine_size          = "STANDARD_DS2_V2"
}
