# Secrets that never reach the state or plan files (Terraform 1.11 or later): the application key and
# the sink's bearer token are ephemeral variables, the key goes to the provider block, the sink token
# to the write-only access_token_wo. Pass them as TF_VAR_nac_token and TF_VAR_sink_token.
terraform {
  required_version = ">= 1.11"
  required_providers {
    nac = {
      source  = "network-as-code/nac"
      version = "~> 0.1"
    }
  }
}

variable "nac_token" {
  description = "Network as Code application key."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "sink_token" {
  description = "Bearer token the network presents to the sink."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "sink_token_version" {
  description = "Change it whenever sink_token changes: Terraform cannot see a write-only value change."
  type        = number
  default     = 1
}

provider "nac" {
  token = var.nac_token
}

resource "nac_qod_session" "notified" {
  profile      = "QOS_L"
  service_ipv4 = "198.51.100.0/24"
  duration     = 3600

  device {
    phone_number = "+36721600000077"
  }

  sink = "https://notifications.example.com/qod"
  sink_credential {
    access_token_wo         = var.sink_token
    access_token_wo_version = var.sink_token_version
    access_token_expires_at = "2030-01-01T00:00:00Z"
  }
}
