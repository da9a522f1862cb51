using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HealthcareCms.Api.Access;

/// <summary>
/// Short-lived ALLOW decisions, keyed by every input of the decision (see <see cref="PolicyServiceAccessDecider.CacheKey"/>).
/// A deny is never cached, so a revoked allow lasts at most <see cref="AccessOptions.AllowCacheDuration"/>.
/// </summary>
public sealed class AllowDecisionCache(IOptions<AccessOptions> options, TimeProvider time) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 50_000, Clock = new SystemClockAdapter(time) });

    public bool TryGet(string key, out AccessDecision decision) =>
        _cache.TryGetValue(key, out decision!);

    public void Add(string key, AccessDecision decision)
    {
        if (!decision.Allowed || options.Value.AllowCacheDuration <= TimeSpan.Zero)
        {
            return;
        }

        _cache.Set(key, decision, new MemoryCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = options.Value.AllowCacheDuration,
            Size = 1,
        });
    }

    public void Dispose() => _cache.Dispose();

#pragma warning disable CS0618 // MemoryCacheOptions.Clock still takes ISystemClock.
    private sealed class SystemClockAdapter(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
#pragma warning restore CS0618
}
