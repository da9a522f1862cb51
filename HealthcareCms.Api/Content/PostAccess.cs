using HealthcareCms.Api.Identity;

namespace HealthcareCms.Api.Content;

/// <summary>
/// Object-level rules for posts. Anyone sees a published post; its author sees it in every status;
/// editors, admins and reviewers see every post that left the draft stage. Revisions: author and staff only
/// (<see cref="CanSeeHistory"/>). A post the caller cannot see is
/// answered 404 (its existence does not leak); one they can see but not change, 403.
/// </summary>
public static class PostAccess
{
    private static readonly string[] Staff = [Roles.Editor, Roles.Admin, Roles.Reviewer];

    public static bool CanSee(Post post, ICurrentUser user) => post.Status == PostStatus.Published || CanSeeHistory(post, user);

    /// <summary>
    /// Earlier revisions are for the author and the staff only, whatever the post's status: a revision may hold
    /// text the LGPD stage sent back (a patient's name, a CPF) before the author removed it, so publishing the
    /// current text must not publish its history.
    /// </summary>
    public static bool CanSeeHistory(Post post, ICurrentUser user) =>
        user.IsAuthenticated && (IsAuthor(post, user) || (post.Status != PostStatus.Draft && Staff.Contains(user.Role)));

    public static bool IsAuthor(Post post, ICurrentUser user) =>
        user.IsAuthenticated && user.Id != Guid.Empty && post.AuthorId == user.Id;
}
