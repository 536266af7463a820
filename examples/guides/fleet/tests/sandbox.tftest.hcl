# Runs against nac-sandbox (NAC_BASE_URL=http://127.0.0.1:8080 NAC_TOKEN=any terraform test):
# real sessions, created and destroyed by the test.

run "one_session_per_device" {
  assert {
    condition     = length(module.session) == 2
    error_message = "expected one session per device"
  }

  assert {
    condition     = alltrue([for s in module.session : can(regex("^[0-9a-f-]{36}$", s.id))])
    error_message = "every session has the id the API assigned"
  }
}

run "a_duration_out_of_range_is_refused" {
  command = plan

  module {
    source = "./modules/session"
  }

  variables {
    phone_number = "+36721600000009"
    service_ipv4 = "198.51.100.7"
    duration     = 10
  }

  expect_failures = [var.duration]
}
