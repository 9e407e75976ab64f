"""Logger and Metrics shared by every function (service name and namespace come from the template's Globals).

No Powertools Tracer: the X-Ray SDK behind it adds about 75 ms to every cold start (it builds two X-Ray clients
for its sampler at import), and the template's active tracing already traces each invocation, API Gateway
included, without it. What that leaves out is a subsegment per DynamoDB call.
"""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
