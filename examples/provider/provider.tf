terraform {
  required_providers {
    nac = {
      source = "network-as-code/nac"
    }
  }
}

# The application key is read from NAC_TOKEN unless `token` is set (keep it out of source control).
provider "nac" {
  environment = "prod" # prod | staging | dev

  # Against the offline emulator instead (`nac-sandbox --listen 127.0.0.1:8080`):
  # base_url = "http://127.0.0.1:8080"
}
