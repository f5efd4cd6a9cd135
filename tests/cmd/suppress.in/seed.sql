-- slsguard:ignore secret-postgres-connection-uri local docker database, never deployed
SELECT dblink_connect('postgres://app:Vq8sLm2xKp4RtZ7w@localhost:5432/app');
