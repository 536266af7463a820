# Every QoD session the network holds for a device (the same device block as nac_qod_session).
data "nac_device_sessions" "mine" {
  device {
    network_access_identifier = "device@testcsp.net"
  }
}

output "active_session_ids" {
  value = [for s in data.nac_device_sessions.mine.sessions : s.id if s.status == "AVAILABLE"]
}
