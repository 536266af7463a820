# One session per device of a fleet: the module above, called with for_each over a map keyed by a
# stable name (not a list index), so removing one device destroys only that device's session.
terraform {
  required_providers {
    nac = {
      source  = "network-as-code/nac"
      version = "~> 0.1"
    }
  }
}

# The token comes from NAC_TOKEN and the API root from NAC_ENVIRONMENT or NAC_BASE_URL.
provider "nac" {}

variable "devices" {
  description = "Phone number of each device, by name."
  type        = map(string)
  default = {
    camera-1 = "+36721600000001"
    camera-2 = "+36721600000002"
  }
}

module "session" {
  source   = "./modules/session"
  for_each = var.devices

  phone_number = each.value
  service_ipv4 = "198.51.100.0/24"
  duration     = 1800
}

output "sessions" {
  value = { for name, session in module.session : name => "${session.id} until ${session.expires_at}" }
}
