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

# A CAMARA QualityOnDemand operator instead (OAuth2 client credentials). Provider settings never go to
# state; an ephemeral variable (Terraform 1.10+) keeps the secret out of plan files too.
#
# variable "camara_client_secret" {
#   type      = string
#   sensitive = true
#   ephemeral = true
# }
#
# provider "nac" {
#   flavour  = "camara" # or NAC_FLAVOUR
#   base_url = "https://api.operator.example" # the provider appends /quality-on-demand/v1
#   oauth {
#     client_id     = "my-app"                      # or NAC_OAUTH_CLIENT_ID
#     client_secret = var.camara_client_secret      # or NAC_OAUTH_CLIENT_SECRET
#     issuer        = "https://auth.operator.example" # or token_url = ".../oauth2/token"
#     # client_auth = "private_key_jwt" with private_key_pem (NAC_OAUTH_PRIVATE_KEY_PEM) and key_id
#   }
# }
