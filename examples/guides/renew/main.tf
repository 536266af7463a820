terraform {
  required_providers {
    nac = { source = "network-as-code/nac" }
  }
}

provider "nac" {}

resource "nac_qod_session" "demo_device" {
  profile      = "DOWNLINK_L_UPLINK_L"
  service_ipv4 = "233.252.0.9"
  duration     = 86400 # what each renewal extends back towards
  renew_before = 21600 # renew when 6 hours or less are left

  device {
    phone_number = "+36721601234567"
  }
}
