# Google Cloud functions and services, public and private: slsguard should report the public
# invoker bindings (thumbnail, api, and the legacy hook) and nothing else.

variable "project" {
  type = string
}

variable "region" {
  type    = string
  default = "europe-west1"
}

variable "invoker_service_account" {
  type = string
}

# 1st gen, HTTP-triggered, and callable by anyone on the internet.
resource "google_cloudfunctions_function" "hook" {
  name                  = "legacy-hook"
  runtime               = "python312"
  entry_point           = "handle"
  trigger_http          = true
  source_archive_bucket = "artifacts-${var.project}"
  source_archive_object = "hook.zip"

  environment_variables = {
    STAGE = "prod"
  }
}

resource "google_cloudfunctions_function_iam_member" "hook_public" {
  project        = var.project
  region         = var.region
  cloud_function = google_cloudfunctions_function.hook.name
  role           = "roles/cloudfunctions.invoker"
  member         = "allUsers"
}

# 2nd gen, HTTP: any Google account may invoke it.
resource "google_cloudfunctions2_function" "thumbnail" {
  name     = "thumbnail"
  location = var.region

  build_config {
    runtime     = "nodejs20"
    entry_point = "thumbnail"
  }

  service_config {
    available_memory = "256M"
    environment_variables = {
      BUCKET = "thumbs-${var.project}"
    }
  }
}

resource "google_cloudfunctions2_function_iam_binding" "thumbnail" {
  project        = var.project
  location       = var.region
  cloud_function = google_cloudfunctions2_function.thumbnail.name
  role           = "roles/cloudfunctions.invoker"
  members        = ["allAuthenticatedUsers", "serviceAccount:${var.invoker_service_account}"]
}

# 2nd gen, event-triggered: no HTTP endpoint, invoked only by Eventarc.
resource "google_cloudfunctions2_function" "resize" {
  name     = "resize"
  location = var.region

  build_config {
    runtime     = "nodejs20"
    entry_point = "resize"
  }

  event_trigger {
    event_type     = "google.cloud.storage.object.v1.finalized"
    trigger_region = var.region
  }
}

# Cloud Run (v1 API), made public with the provider documentation's `noauth` policy.
resource "google_cloud_run_service" "api" {
  name     = "orders-api"
  location = var.region

  template {
    spec {
      containers {
        image = "europe-docker.pkg.dev/${var.project}/apps/orders:1.4.2"
        env {
          name  = "LOG_LEVEL"
          value = "info"
        }
      }
    }
  }
}

data "google_iam_policy" "noauth" {
  binding {
    role    = "roles/run.invoker"
    members = ["allUsers"]
  }
}

resource "google_cloud_run_service_iam_policy" "api_noauth" {
  location    = google_cloud_run_service.api.location
  project     = google_cloud_run_service.api.project
  service     = google_cloud_run_service.api.name
  policy_data = data.google_iam_policy.noauth.policy_data
}

# Cloud Run (v2 API), invoked only by one service account.
resource "google_cloud_run_v2_service" "worker" {
  name     = "orders-worker"
  location = var.region
  ingress  = "INGRESS_TRAFFIC_INTERNAL_ONLY"

  template {
    containers {
      image = "europe-docker.pkg.dev/${var.project}/apps/worker:2.0.0"
      env {
        name  = "QUEUE"
        value = "orders"
      }
    }
  }
}

resource "google_cloud_run_v2_service_iam_member" "worker_invoker" {
  project  = var.project
  location = google_cloud_run_v2_service.worker.location
  name     = google_cloud_run_v2_service.worker.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${var.invoker_service_account}"
}
