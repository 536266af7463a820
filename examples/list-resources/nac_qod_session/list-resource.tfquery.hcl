# The live QoS sessions of one device, e.g. made by an application through the SDK.
# `terraform query -generate-config-out=generated.tf` writes an import block and a resource for each,
# which `terraform plan` shows as imports only.
list "nac_qod_session" "phone" {
  provider         = nac
  include_resource = true

  config {
    device {
      phone_number = "+36721601234567"
    }
  }
}

# Every session of the API key (NaC serves GET /sessions). Terraform shows at most 100 results of a
# list block unless `limit` says otherwise.
list "nac_qod_session" "all" {
  provider = nac
  limit    = 1000

  config {
    all_sessions = true
  }
}
