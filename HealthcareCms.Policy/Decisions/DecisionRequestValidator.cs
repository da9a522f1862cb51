namespace HealthcareCms.Policy.Decisions;

public static class DecisionRequestValidator
{
    public static Dictionary<string, string[]> Validate(DecisionRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Subject is null)
        {
            errors["subject"] = ["The subject is required."];
        }
        else if (request.Subject.Status is not ("active" or "disabled"))
        {
            errors["subject.status"] = ["The subject status must be 'active' or 'disabled'."];
        }

        if (string.IsNullOrWhiteSpace(request.Resource?.Type))
        {
            errors["resource.type"] = ["The resource type is required."];
        }

        if (string.IsNullOrWhiteSpace(request.Action))
        {
            errors["action"] = ["The action is required."];
        }

        if (request.Context is null)
        {
            errors["context"] = ["The context is required."];
        }

        return errors;
    }
}
