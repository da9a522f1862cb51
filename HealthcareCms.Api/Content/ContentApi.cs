using HealthcareCms.Api.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace HealthcareCms.Api.Content;

public static class ContentApi
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapContentApi(this IEndpointRouteBuilder app)
    {
        var posts = app.MapGroup("/api/posts").WithTags("Posts");

        posts.MapGet("", ListPublishedPosts)
            .WithName("ListPublishedPosts")
            .WithSummary("Published posts, newest first, paged as {items, page, pageSize, total}.");

        return app;
    }

    public static async Task<Results<Ok<PagedResult<PublishedPostSummary>>, ValidationProblem>> ListPublishedPosts(
        CmsDbContext db, CancellationToken cancellationToken, int page = 1, int pageSize = DefaultPageSize)
    {
        if (Paging.Validate(page, pageSize, MaxPageSize) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var published = db.Posts.AsNoTracking().Where(p => p.Status == PostStatus.Published);
        var total = await published.CountAsync(cancellationToken);
        var items = await published
            .OrderByDescending(p => p.PublishedAt).ThenBy(p => p.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(p => new PublishedPostSummary(p.Id, p.Title, p.MedicalCategory, p.PublishedAt!.Value))
            .ToListAsync(cancellationToken);

        return TypedResults.Ok(new PagedResult<PublishedPostSummary>(items, page, pageSize, total));
    }
}

public static class Paging
{
    public static Dictionary<string, string[]>? Validate(int page, int pageSize, int maxPageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (page < 1)
        {
            errors["page"] = ["page must be 1 or more."];
        }

        if (pageSize < 1 || pageSize > maxPageSize)
        {
            errors["pageSize"] = [$"pageSize must be between 1 and {maxPageSize}."];
        }

        return errors.Count == 0 ? null : errors;
    }
}
