# The QoS profiles the network offers (NaC's built-in list, with a warning, where the network does not
# serve CAMARA's QoS Profiles API). Durations are in seconds, rates in bits per second.
data "nac_qos_profiles" "active" {
  status = "ACTIVE"
}

output "qos_profile_names" {
  value = data.nac_qos_profiles.active.profiles[*].name
}

# The longest session each profile allows, e.g. to cap a `duration` variable.
output "qos_profile_max_durations" {
  value = { for p in data.nac_qos_profiles.active.profiles : p.name => p.max_duration }
}
