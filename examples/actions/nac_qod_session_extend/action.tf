resource "nac_qod_session" "demo" {
  profile      = "DOWNLINK_L_UPLINK_L"
  service_ipv4 = "233.252.0.9"
  duration     = 3600

  device {
    phone_number = "+36721601234567"
  }
}

# The event runs late: `terraform apply -invoke=action.nac_qod_session_extend.half_hour` adds 30
# minutes now. The next plan is empty; nac_qod_session.demo.total_duration shows the new total.
action "nac_qod_session_extend" "half_hour" {
  config {
    session_id = nac_qod_session.demo.id
    seconds    = 1800
  }
}
