using System.Linq.Expressions;

namespace Idrp.Domain.Access;

/// <summary>Combines predicates without compiling them, so that the result still translates to SQL.</summary>
public static class ExpressionComposition
{
    public static Expression<Func<T, bool>> Or<T>(this Expression<Func<T, bool>> left, Expression<Func<T, bool>> right)
    {
        var parameter = left.Parameters[0];
        var rightBody = new ReplaceParameter(right.Parameters[0], parameter).Visit(right.Body);
        return Expression.Lambda<Func<T, bool>>(Expression.OrElse(left.Body, rightBody), parameter);
    }

    /// <summary>Applies a predicate on <typeparamref name="TInner"/> to the record reached by <paramref name="navigation"/>.</summary>
    public static Expression<Func<TOuter, bool>> Over<TOuter, TInner>(
        this Expression<Func<TInner, bool>> predicate, Expression<Func<TOuter, TInner>> navigation)
    {
        var parameter = navigation.Parameters[0];
        var body = new ReplaceParameter(predicate.Parameters[0], navigation.Body).Visit(predicate.Body);
        return Expression.Lambda<Func<TOuter, bool>>(body, parameter);
    }

    private sealed class ReplaceParameter(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
