# A session is imported by its id (the sink's access token is never returned by the API: the first
# apply after the import records the configuration's token without creating a new session).
terraform import nac_qod_session.example 3fa85f64-5717-4562-b3fc-2c963f66afa6
