terraform {
  required_providers {
    nac = {
      source  = "network-as-code/nac"
      version = "~> 0.1"
    }
  }
}

# The application key is read from NAC_TOKEN unless `token` is set (keep it out of source control).
provider "nac" {
  environment = "prod" # prod | staging | dev; or NAC_ENVIRONMENT

  # Against the offline emulator instead (`nac-sandbox --listen 127.0.0.1:8080`), or set NAC_BASE_URL:
  # base_url = "http://127.0.0.1:8080"
}
