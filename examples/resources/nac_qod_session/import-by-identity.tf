# The same by resource identity (Terraform >= 1.12), as `terraform query -generate-config-out` writes it.
import {
  to       = nac_qod_session.example
  identity = { id = "3fa85f64-5717-4562-b3fc-2c963f66afa6" }
}
