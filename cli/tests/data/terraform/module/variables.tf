variable "ws_name" {
  type    = string
  default = "mlw-default"
}
variable "public" {
  type    = bool
  default = true
}
