"""Operations on deployed integrations, with boto3 (redrive of dead letters)."""
