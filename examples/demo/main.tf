# The demo: three QoD sessions against the sandbox, one per device (the network allows one active
# session per device), and the data source listing one device's sessions. Run it with
# examples/demo/run.sh (it installs the provider from a mirror and passes base_url).
terraform {
  required_providers {
    nac = {
      source  = "network-as-code/nac"
      version = "~> 0.1"
    }
  }
}

variable "base_url" {
  description = "API root of the NaC API or of nac-sandbox, e.g. http://127.0.0.1:8080"
  type        = string
}

provider "nac" {
  base_url = var.base_url # token from NAC_TOKEN
}

# The seed example of the NaC documentation.
resource "nac_qod_session" "video" {
  profile      = "DOWNLINK_L_UPLINK_L"
  service_ipv4 = "233.252.0.2"
  service_ipv6 = "2001:db8:1234:5678:9abc:def0:fedc:ba98"
  duration     = 3600

  device {
    network_access_identifier = "device@testcsp.net"
    phone_number              = "+36721601234567"
    ipv6_address              = "2001:db8::2"
    ipv4_address {
      public_address  = "233.252.0.2"
      private_address = "192.0.2.25"
      public_port     = 80
    }
  }

  service_ports {
    ports  = [8080]
    ranges = [{ start = 80, end = 443 }]
  }
  device_ports {
    ports = [20000]
  }
}

# A shorter session for a second device.
resource "nac_qod_session" "gaming" {
  profile      = "QOS_E"
  service_ipv4 = "198.51.100.0/24"
  duration     = 600

  device {
    network_access_identifier = "console@testcsp.net"
  }
}

# A session for a third device, identified by its phone number only.
resource "nac_qod_session" "sensor" {
  profile      = "DOWNLINK_S_UPLINK_M"
  service_ipv6 = "2001:db8:85a3::/64"
  duration     = 1800

  device {
    phone_number = "+36729991111"
  }
}

data "nac_device_sessions" "device" {
  device {
    network_access_identifier = "device@testcsp.net"
  }
  depends_on = [nac_qod_session.video]
}

output "sessions" {
  description = "The sessions Terraform manages: id, status, expiry."
  value = {
    for name, s in {
      video  = nac_qod_session.video
      gaming = nac_qod_session.gaming
      sensor = nac_qod_session.sensor
    } : name => "${s.id}  ${s.status}  expires ${s.expires_at}"
  }
}

output "device_sessions" {
  description = "What the network lists for device@testcsp.net (the data source)."
  value       = [for s in data.nac_device_sessions.device.sessions : "${s.id}  ${s.profile}  ${s.status}  expires ${s.expires_at}"]
}
