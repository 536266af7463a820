# Runs without any API: mock_provider answers for the nac provider (Terraform 1.7 or later), so
# plan-time logic and outputs can be tested on any machine.

mock_provider "nac" {
  mock_resource "nac_qod_session" {
    defaults = {
      id         = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
      status     = "AVAILABLE"
      expires_at = "2030-01-01T00:00:00Z"
    }
  }
}

run "outputs_name_each_device" {
  variables {
    devices = { lab = "+36721600000042" }
  }

  assert {
    condition     = output.sessions["lab"] == "3fa85f64-5717-4562-b3fc-2c963f66afa6 until 2030-01-01T00:00:00Z"
    error_message = "unexpected output: ${output.sessions["lab"]}"
  }
}

# expect_failures names objects of the module under test, so this run tests the module itself.
run "the_postcondition_catches_an_unavailable_session" {
  module {
    source = "./modules/session"
  }

  override_resource {
    target = nac_qod_session.this
    values = {
      status = "UNAVAILABLE"
    }
  }

  variables {
    phone_number = "+36721600000042"
    service_ipv4 = "198.51.100.7"
  }

  expect_failures = [nac_qod_session.this]
}
