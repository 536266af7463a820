# The seed example of the Network as Code documentation.
resource "nac_qod_session" "example" {
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

  sink = "https://example.com/notify"
  sink_credential {
    access_token            = var.sink_token
    access_token_expires_at = "2030-01-01T00:00:00Z"
  }

  timeouts {
    create = "5m"
  }
}

variable "sink_token" {
  description = "Bearer token the network presents to the sink."
  type        = string
  sensitive   = true
}

# A minimal session: a profile, one service address and one device identifier. The network allows
# one active session per device, so this is another device.
resource "nac_qod_session" "minimal" {
  profile      = "QOS_L"
  service_ipv4 = "198.51.100.0/24"

  device {
    phone_number = "+36721609876543"
  }
}
