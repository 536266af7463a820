# Take over a session created outside Terraform (Terraform >= 1.5): `terraform plan` shows the import,
# `terraform apply` records it in state. The id is the session id the API returned.
import {
  to = nac_qod_session.example
  id = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
}
