using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PaymentNotifications.Api;

/// <summary>A route's JSON request body, for the OpenAPI document.</summary>
/// <param name="Type">The documented body type.</param>
public sealed record JsonRequestBodyMetadata(Type Type);

/// <summary>What a route takes as its body: JSON of a documented type, or nothing at all.</summary>
public static class RouteBodies
{
    /// <summary>
    /// Documents a JSON body of <typeparamref name="T"/>. Unlike <c>Accepts</c>, it adds no routing-level
    /// content-type match, so a wrong Content-Type reaches <see cref="JsonBody"/> and gets its 400 problem.
    /// </summary>
    public static RouteHandlerBuilder TakesJson<T>(this RouteHandlerBuilder builder) => builder.WithMetadata(new JsonRequestBodyMetadata(typeof(T)));

    /// <summary>Refuses a body (400) on a route that takes none, rather than silently ignoring it.</summary>
    public static RouteHandlerBuilder TakesNoBody(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await RequestBodyLimit.HasBodyAsync(context.HttpContext.Request) ? ApiProblems.UnexpectedBody() : await next(context);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return ApiProblems.TooLarge(context.HttpContext);
            }
        });
}
