# One QoD session for one device, with the checks a team wants on every session: a duration the API
# accepts, and a session that is AVAILABLE once created.
terraform {
  required_providers {
    nac = {
      source  = "network-as-code/nac"
      version = "~> 0.1"
    }
  }
}

variable "phone_number" {
  description = "The device, in E.164 format (e.g. +36721601234567)."
  type        = string
}

variable "profile" {
  description = "QoS profile, e.g. DOWNLINK_L_UPLINK_L."
  type        = string
  default     = "DOWNLINK_L_UPLINK_L"
}

variable "service_ipv4" {
  description = "The application server's IPv4 address or CIDR block."
  type        = string
}

variable "duration" {
  description = "Session length in seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.duration >= 60 && var.duration <= 86400
    error_message = "duration must be between 60 and 86400 seconds."
  }
}

resource "nac_qod_session" "this" {
  profile      = var.profile
  service_ipv4 = var.service_ipv4
  duration     = var.duration

  device {
    phone_number = var.phone_number
  }

  lifecycle {
    postcondition {
      condition     = self.status == "AVAILABLE"
      error_message = "the session ${self.id} is ${self.status}, not AVAILABLE"
    }
  }
}

output "id" {
  value = nac_qod_session.this.id
}

output "expires_at" {
  value = nac_qod_session.this.expires_at
}
